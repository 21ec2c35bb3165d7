import LinearAlgebra
import RealModule

/// The mathematical pendulum q'' = −(g/ℓ) sin q, H = p²/2 − (g/ℓ) cos q (GNI §I.1.1).
public struct Pendulum<Scalar: BLASScalar>: SecondOrderVectorField, HamiltonianSystem {
    public typealias State = [Scalar]
    /// g/ℓ.
    public var gravity: Scalar

    public init(gravity: Scalar = 1) { self.gravity = gravity }

    @inlinable
    public func acceleration(_ y: [Scalar], time: Scalar, into a: inout [Scalar]) {
        for i in 0..<y.count { a[i] = -gravity * Scalar.sin(y[i]) }
    }

    public func energy(q: [Scalar], p: [Scalar]) -> Scalar {
        p.squaredNorm / 2 - gravity * q.reduce(0) { $0 + Scalar.cos($1) }
    }
}
