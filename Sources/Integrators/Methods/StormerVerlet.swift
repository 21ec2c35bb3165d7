/// Störmer–Verlet for partitioned systems q' = velocity(p), p' = force(q)
/// (Hairer, Lubich & Wanner, "Geometric numerical integration illustrated by the
/// Störmer–Verlet method", Acta Numerica 2003; GNI §I.1.4). Symplectic and reversible, with
/// an exact explicit inverse.
///
/// Two schemes:
/// - `.symmetric` (default), position Verlet: q_{n+½} = q_n + (h/2) v(p_n),
///   p_{n+1} = p_n + h F(q_{n+½}), q_{n+1} = q_{n+½} + (h/2) v(p_{n+1}). Order 2, time-symmetric.
/// - `.staggered`, the Hamiltonian block of Chang et al. 2018 (eq. 7):
///   q_{n+1} = q_n + h v(p_n), then p_{n+1} = p_n + h F(q_{n+1}). This is Verlet with p living
///   at half steps (p_n ≈ p(t_{n−½})); read as a map on same-time values it is symplectic
///   Euler, order 1. Two field evaluations per step instead of three.
public struct StormerVerlet<Field: PartitionedVectorField>: ReversibleIntegrator {
    public typealias State = PartitionedState<Field.State>
    public static var name: String { "verlet" }
    /// 2 for the symmetric scheme; 1 for the staggered one, read on same-time values (q_n, p_n).
    public var order: Int { scheme == .symmetric ? 2 : 1 }
    public var isSymplectic: Bool { true }

    public typealias Scheme = VerletScheme

    public var scheme: Scheme
    @usableFromInline var k = Workspace<Field.State>()

    @inlinable public init() { scheme = .symmetric }
    @inlinable public init(scheme: Scheme) { self.scheme = scheme }

    @inlinable
    public mutating func step(_ field: Field, _ s: inout State, time t: Field.Scalar, stepSize h: Field.Scalar) {
        k.prepare(like: s.q)
        switch scheme {
        case .symmetric:
            field.velocity(s.p, time: t, into: &k.storage!)
            s.q.axpy(h / 2, k.storage!)
            field.force(s.q, time: t + h / 2, into: &k.storage!)
            s.p.axpy(h, k.storage!)
            field.velocity(s.p, time: t + h, into: &k.storage!)
            s.q.axpy(h / 2, k.storage!)
        case .staggered:
            field.velocity(s.p, time: t, into: &k.storage!)
            s.q.axpy(h, k.storage!)
            field.force(s.q, time: t + h, into: &k.storage!)
            s.p.axpy(h, k.storage!)
        }
    }

    @inlinable
    public mutating func unstep(_ field: Field, _ s: inout State, time t: Field.Scalar, stepSize h: Field.Scalar) {
        k.prepare(like: s.q)
        switch scheme {
        case .symmetric:
            field.velocity(s.p, time: t, into: &k.storage!)
            s.q.axpy(-h / 2, k.storage!)
            field.force(s.q, time: t - h / 2, into: &k.storage!)
            s.p.axpy(-h, k.storage!)
            field.velocity(s.p, time: t - h, into: &k.storage!)
            s.q.axpy(-h / 2, k.storage!)
        case .staggered:
            field.force(s.q, time: t, into: &k.storage!)
            s.p.axpy(-h, k.storage!)
            field.velocity(s.p, time: t - h, into: &k.storage!)
            s.q.axpy(-h, k.storage!)
        }
    }
}

/// The two Störmer–Verlet schemes (see `StormerVerlet`).
public enum VerletScheme: String, Sendable, CaseIterable {
    /// Position Verlet: half drift, kick, half drift. Order 2, time-symmetric.
    case symmetric
    /// The paper's Hamiltonian block: drift, then kick with the new position.
    case staggered
}
