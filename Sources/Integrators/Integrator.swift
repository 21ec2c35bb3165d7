/// A time-stepping method: advances `State` by one step of size h for a field of type `Field`.
///
/// Each method is a small type that states its order and structure, as properties of the
/// configured instance (Störmer–Verlet's order depends on its scheme). It owns its workspace,
/// allocated at the first step (and again only if the state's shape changes), so `step`
/// allocates nothing in a loop.
public protocol Integrator {
    associatedtype Field
    associatedtype State: VectorSpace
    typealias Scalar = State.Scalar

    /// A short name (`"rk4"`).
    static var name: String { get }
    /// The classical order p: global error O(h^p) on smooth problems, from a start of that
    /// order (a two-step method started with y₋₁ = y₀ can observe less).
    var order: Int { get }
    /// Whether the step is a symplectic map for Hamiltonian fields.
    var isSymplectic: Bool { get }

    /// Advances `state` from `time` to `time + h`.
    mutating func step(_ field: Field, _ state: inout State, time: Scalar, stepSize h: Scalar)
}

/// A method whose step has an exact algebraic inverse — no nonlinear solve: `unstep` undoes
/// `step` up to rounding. This is what lets a network recompute its activations backwards
/// (Chang et al. 2018, §3; Gomez et al., "The Reversible Residual Network", NeurIPS 2017).
public protocol ReversibleIntegrator: Integrator {
    /// Moves `state` from `time` back to `time − h`: the inverse of `step(…, time: time − h, …)`.
    mutating func unstep(_ field: Field, _ state: inout State, time: Scalar, stepSize h: Scalar)
}

/// Lazily allocated workspace: `value` takes the shape of `like` the first time, and again
/// only if the shape changes.
@usableFromInline
struct Workspace<V: VectorSpace> {
    @usableFromInline var storage: V?

    @inlinable init() { storage = nil }

    @inlinable
    mutating func prepare(like x: V) {
        if let s = storage, s.hasSameShape(as: x) { return }
        storage = x
    }
}
