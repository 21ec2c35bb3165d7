import LinearAlgebra

/// The Lorenz system x' = σ(y − x), y' = x(ρ − z) − y, z' = xy − βz (Lorenz, "Deterministic
/// nonperiodic flow", J. Atmos. Sci. 1963), with the classical σ = 10, ρ = 28, β = 8/3.
/// Its divergence is the constant −(σ + 1 + β).
public struct Lorenz<Scalar: BLASScalar>: VectorField {
    public typealias State = SIMD3<Scalar>
    public var sigma: Scalar
    public var rho: Scalar
    public var beta: Scalar

    public init(sigma: Scalar = 10, rho: Scalar = 28, beta: Scalar = 8 / 3) {
        self.sigma = sigma
        self.rho = rho
        self.beta = beta
    }

    @inlinable
    public func evaluate(_ x: State, time: Scalar, into d: inout State) {
        d = State(sigma * (x.y - x.x), x.x * (rho - x.z) - x.y, x.x * x.y - beta * x.z)
    }

    /// ∇·f = −(σ + 1 + β), the sum of the Lyapunov exponents.
    public var divergence: Scalar { -(sigma + 1 + beta) }
}
