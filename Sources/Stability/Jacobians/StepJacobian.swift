import Integrators
import LinearAlgebra

/// The Jacobian of one step of a method — the discrete propagator ∂x_{n+1}/∂x_n — on the
/// method's full state (for a two-step method the pair (y_{n−1}, y_n), whose eigenvalues
/// include the parasitic roots), by central finite differences of the step map.
///
/// For forward Euler it is I + hJ; its eigenvalues are the amplification factors R(hλ) of the
/// method at the eigenvalues λ of the field's Jacobian J.
public struct StepJacobian<Scalar: BLASScalar>: BindingExperiment {
    /// The system point at which the step starts.
    public var point: [Scalar]
    public var stepSize: Scalar

    public init(at point: [Scalar], stepSize: Scalar) {
        self.point = point
        self.stepSize = stepSize
    }

    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> Matrix<Scalar>
    where I.State: CoordinateState, I.State.Scalar == Scalar {
        FiniteDifference.jacobian(at: b.start(point, stepSize)) { x in
            var integrator = b.integrator, s = x
            integrator.step(b.field, &s, time: 0, stepSize: stepSize)
            return s
        }
    }
}
