import LinearAlgebra
import RealModule

/// The forced Duffing oscillator x'' + δx' − x + x³ = γ cos ωt on (x, v) (Guckenheimer &
/// Holmes, *Nonlinear Oscillations, Dynamical Systems, and Bifurcations of Vector Fields*,
/// 1983, §2.2), with δ = 0.3, γ = 0.5, ω = 1.2, where it is chaotic. The field depends on time:
/// an experiment must hand each step its true time t = t₀ + n·h (a frozen t = 0 would give a
/// damped autonomous oscillator, exponents [−δ/2, −δ/2]). Its divergence is the constant −δ, the
/// sum of the Lyapunov exponents.
public struct ForcedDuffing<Scalar: BLASScalar>: VectorField {
    public typealias State = SIMD2<Scalar>
    public var delta: Scalar
    public var gamma: Scalar
    public var omega: Scalar

    public init(delta: Scalar = 0.3, gamma: Scalar = 0.5, omega: Scalar = 1.2) {
        self.delta = delta
        self.gamma = gamma
        self.omega = omega
    }

    @inlinable
    public func evaluate(_ s: State, time t: Scalar, into d: inout State) {
        d = State(s.y, -delta * s.y + s.x - s.x * s.x * s.x + gamma * Scalar.cos(omega * t))
    }

    /// ∇·f = −δ.
    public var divergence: Scalar { -delta }
}

/// The forced Duffing oscillator made autonomous on (x, v, θ) with θ' = ω and the forcing
/// γ cos θ: the same trajectories as `ForcedDuffing` from θ₀ = ωt₀, its Lyapunov exponents the
/// forced form's two and a zero for θ.
public struct AutonomousDuffing<Scalar: BLASScalar>: VectorField {
    public typealias State = SIMD3<Scalar>
    public var forced: ForcedDuffing<Scalar>

    public init(_ forced: ForcedDuffing<Scalar> = ForcedDuffing()) { self.forced = forced }

    @inlinable
    public func evaluate(_ s: State, time _: Scalar, into d: inout State) {
        let f = forced
        d = State(s.y, -f.delta * s.y + s.x - s.x * s.x * s.x + f.gamma * Scalar.cos(s.z), f.omega)
    }
}
