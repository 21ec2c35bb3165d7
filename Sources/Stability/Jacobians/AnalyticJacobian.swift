import Integrators
import LinearAlgebra
import RealModule

/// A system that knows the Jacobian of its right-hand side in closed form: ∂f/∂x for a flow
/// x' = f(x), ∂g/∂x for a map x ↦ g(x), in the system's flat coordinates.
public protocol AnalyticJacobian {
    associatedtype Scalar: BLASScalar
    func jacobian(at x: [Scalar], time: Scalar) -> Matrix<Scalar>
}

/// A second-order system y'' = F(y) that knows ∂F/∂y.
public protocol AnalyticAccelerationJacobian: SecondOrderVectorField where Scalar: BLASScalar {
    func accelerationJacobian(at y: [Scalar], time: Scalar) -> Matrix<Scalar>
}

extension FirstOrderForm: AnalyticJacobian where Field: AnalyticAccelerationJacobian, Field.State: CoordinateState {
    /// [[0, I], [∂F/∂q, 0]] for (q, p)' = (p, F(q)).
    public func jacobian(at x: [Field.Scalar], time: Field.Scalar) -> Matrix<Field.Scalar> {
        let n = x.count / 2
        let dF = field.accelerationJacobian(at: Array(x[..<n]), time: time)
        var j = Matrix<Field.Scalar>(rows: 2 * n, columns: 2 * n)
        for i in 0..<n {
            j[i, n + i] = 1
            for k in 0..<n { j[n + i, k] = dF[i, k] }
        }
        return j
    }
}

extension HarmonicOscillator: AnalyticAccelerationJacobian {
    public func accelerationJacobian(at y: [Scalar], time: Scalar) -> Matrix<Scalar> {
        -omega * omega * Matrix.identity(y.count)
    }
}

extension Pendulum: AnalyticAccelerationJacobian {
    public func accelerationJacobian(at y: [Scalar], time: Scalar) -> Matrix<Scalar> {
        var j = Matrix<Scalar>(rows: y.count, columns: y.count)
        for i in y.indices { j[i, i] = -gravity * Scalar.cos(y[i]) }
        return j
    }
}

extension Kepler: AnalyticAccelerationJacobian {
    /// ∂(−q/r³)/∂q = −I/r³ + 3 q qᵀ/r⁵.
    public func accelerationJacobian(at y: [Scalar], time: Scalar) -> Matrix<Scalar> {
        let r2 = y[0] * y[0] + y[1] * y[1], r = r2.squareRoot()
        let r3 = r2 * r, r5 = r3 * r2
        return Matrix([[-1 / r3 + 3 * y[0] * y[0] / r5, 3 * y[0] * y[1] / r5],
                       [3 * y[1] * y[0] / r5, -1 / r3 + 3 * y[1] * y[1] / r5]])
    }
}

extension Lorenz: AnalyticJacobian {
    public func jacobian(at x: [Scalar], time: Scalar) -> Matrix<Scalar> {
        Matrix([[-sigma, sigma, 0], [rho - x[2], -1, -x[0]], [x[1], x[0], -beta]])
    }
}

extension Rossler: AnalyticJacobian {
    public func jacobian(at x: [Scalar], time: Scalar) -> Matrix<Scalar> {
        Matrix([[0, -1, -1], [1, a, 0], [x[2], 0, x[0] - c]])
    }
}

extension ForcedDuffing: AnalyticJacobian {
    public func jacobian(at x: [Scalar], time: Scalar) -> Matrix<Scalar> {
        Matrix([[0, 1], [1 - 3 * x[0] * x[0], -delta]])
    }
}

extension AutonomousDuffing: AnalyticJacobian {
    public func jacobian(at x: [Scalar], time: Scalar) -> Matrix<Scalar> {
        Matrix([[0, 1, 0], [1 - 3 * x[0] * x[0], -forced.delta, -forced.gamma * Scalar.sin(x[2])], [0, 0, 0]])
    }
}

extension HenonMap: AnalyticJacobian {
    public func jacobian(at x: [Scalar], time: Scalar) -> Matrix<Scalar> {
        Matrix([[-2 * a * x[0], 1], [b, 0]])
    }
}

extension LinearSystem: AnalyticJacobian {
    public func jacobian(at x: [Scalar], time: Scalar) -> Matrix<Scalar> { matrix }
}
