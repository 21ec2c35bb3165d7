import LinearAlgebra
import RealModule

/// The harmonic oscillator q'' = −ω² q, H = p²/2 + ω² q²/2. Exact solution
/// q(t) = q₀ cos ωt + (p₀/ω) sin ωt, p(t) = −q₀ ω sin ωt + p₀ cos ωt.
public struct HarmonicOscillator<Scalar: BLASScalar>: SecondOrderVectorField, HamiltonianSystem {
    public typealias State = [Scalar]
    public var omega: Scalar

    public init(omega: Scalar = 1) { self.omega = omega }

    @inlinable
    public func acceleration(_ y: [Scalar], time: Scalar, into a: inout [Scalar]) {
        let w2 = omega * omega
        for i in 0..<y.count { a[i] = -w2 * y[i] }
    }

    public func energy(q: [Scalar], p: [Scalar]) -> Scalar {
        (p.squaredNorm + omega * omega * q.squaredNorm) / 2
    }

    /// The exact flow over time t from (q₀, p₀).
    public func exact(q q0: [Scalar], p p0: [Scalar], time t: Scalar) -> (q: [Scalar], p: [Scalar]) {
        let c = Scalar.cos(omega * t), s = Scalar.sin(omega * t)
        return (zip(q0, p0).map { c * $0 + s / omega * $1 }, zip(q0, p0).map { -s * omega * $0 + c * $1 })
    }
}

/// A separable Hamiltonian system that knows its energy H(q, p), conserved by the exact flow.
public protocol HamiltonianSystem: PartitionedVectorField {
    func energy(q: State, p: State) -> Scalar
}
