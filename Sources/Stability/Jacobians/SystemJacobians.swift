import Integrators
import LinearAlgebra

extension BuiltinSystem {
    /// Whether the Jacobian of the right-hand side is read in continuous time (flows) or
    /// discrete time (maps).
    public var timeKind: TimeKind { isMap ? .discrete : .continuous }

    /// The Jacobian of the system's right-hand side at a point (∂f/∂x for a flow in its first-order
    /// form, ∂g/∂x for a map), in closed form (a system file's by forward-mode differentiation, at t = 0). The forced Duffing field's Jacobian does not
    /// depend on time (the forcing is additive).
    public func jacobian(at point: [Scalar]) -> Matrix<Scalar> {
        switch kind {
        case .harmonic(let f): FirstOrderForm(f).jacobian(at: point, time: 0)
        case .pendulum(let f): FirstOrderForm(f).jacobian(at: point, time: 0)
        case .kepler(let f): FirstOrderForm(f).jacobian(at: point, time: 0)
        case .lorenz(let f): f.jacobian(at: point, time: 0)
        case .rossler(let f): f.jacobian(at: point, time: 0)
        case .duffing(let f): f.jacobian(at: point, time: 0)
        case .autonomousDuffing(let f): f.jacobian(at: point, time: 0)
        case .henon(let f): f.jacobian(at: point, time: 0)
        case .linear(let f): f.jacobian(at: point, time: 0)
        case .defined(let d): d.jacobian(at: point)
        }
    }

    /// The same Jacobian by central finite differences of the right-hand side.
    public func finiteDifferenceJacobian(at point: [Scalar]) -> Matrix<Scalar> {
        switch kind {
        case .harmonic(let f): Self.differentiate(FirstOrderForm(f), at: point)
        case .pendulum(let f): Self.differentiate(FirstOrderForm(f), at: point)
        case .kepler(let f): Self.differentiate(FirstOrderForm(f), at: point)
        case .lorenz(let f): Self.differentiate(f, at: point)
        case .rossler(let f): Self.differentiate(f, at: point)
        case .duffing(let f): Self.differentiate(f, at: point)
        case .autonomousDuffing(let f): Self.differentiate(f, at: point)
        case .linear(let f): Self.differentiate(f, at: point)
        case .defined(let d): FiniteDifference.jacobian(at: point) { d.rightHandSide($0) }
        case .henon(let g):
            FiniteDifference.jacobian(at: point) { x in
                var next = SIMD2<Scalar>(coordinates: x)
                g.apply(SIMD2(coordinates: x), into: &next)
                return next.coordinates
            }
        }
    }

    static func differentiate<F: VectorField>(_ field: F, at point: [Scalar]) -> Matrix<Scalar>
    where F.State: CoordinateState, F.Scalar == Scalar {
        FiniteDifference.jacobian(at: point) { field(F.State(coordinates: $0)).coordinates }
    }
}
