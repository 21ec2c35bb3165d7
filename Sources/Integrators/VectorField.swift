/// A first-order system x' = f(x, t).
///
/// Parameters are stored properties of the conforming type (`Lorenz(sigma:rho:beta:)`).
public protocol VectorField {
    associatedtype State: VectorSpace
    typealias Scalar = State.Scalar

    /// Writes f(x, t) into `derivative`, which has the shape of `x`. Must not allocate.
    func evaluate(_ x: State, time: Scalar, into derivative: inout State)
}

extension VectorField {
    /// f(x, t), allocating the result (convenience; steps use `evaluate(_:time:into:)`).
    @inlinable
    public func callAsFunction(_ x: State, time: Scalar = 0) -> State {
        var d = x
        evaluate(x, time: time, into: &d)
        return d
    }
}

/// A partitioned system q' = velocity(p), p' = force(q): a separable Hamiltonian
/// H(q, p) = T(p) + V(q) with velocity = ∇T and force = −∇V, the structure Störmer–Verlet needs
/// (Hairer, Lubich & Wanner 2006, §I.1.4). The network's Hamiltonian block is this with
/// velocity(Z) = K₁ᵀσ(K₁Z + b₁), force(Y) = −K₂ᵀσ(K₂Y + b₂) (Chang et al. 2018, eq. 7).
public protocol PartitionedVectorField {
    associatedtype State: VectorSpace
    typealias Scalar = State.Scalar

    /// Writes dq/dt = velocity(p, t) into `dq`.
    func velocity(_ p: State, time: Scalar, into dq: inout State)
    /// Writes dp/dt = force(q, t) into `dp`.
    func force(_ q: State, time: Scalar, into dp: inout State)
}

/// A second-order system y'' = F(y, t) — a partitioned system with velocity(p) = p. The
/// leapfrog block uses F(Y) = −Kᵀσ(KY + b) (Chang et al. 2018, eq. 9).
public protocol SecondOrderVectorField: PartitionedVectorField {
    /// Writes y'' = F(y, t) into `a`.
    func acceleration(_ y: State, time: Scalar, into a: inout State)
}

extension SecondOrderVectorField {
    @inlinable public func velocity(_ p: State, time: Scalar, into dq: inout State) { dq.assign(p) }
    @inlinable public func force(_ q: State, time: Scalar, into dp: inout State) { acceleration(q, time: time, into: &dp) }
}

/// A partitioned system read as one first-order field on (q, p), so that general methods
/// (Euler, Runge–Kutta, the two-step midpoint) apply to it.
public struct FirstOrderForm<Field: PartitionedVectorField>: VectorField {
    public typealias State = PartitionedState<Field.State>
    public var field: Field

    @inlinable public init(_ field: Field) { self.field = field }

    @inlinable
    public func evaluate(_ x: State, time: Field.Scalar, into d: inout State) {
        field.velocity(x.p, time: time, into: &d.q)
        field.force(x.q, time: time, into: &d.p)
    }
}

/// A discrete-time system x_{n+1} = g(x_n) (the Hénon map).
public protocol DiscreteMap {
    associatedtype State: VectorSpace
    /// Writes g(x) into `next`, which has the shape of `x`.
    func apply(_ x: State, into next: inout State)
}

/// A discrete map with an explicit inverse x_n = g⁻¹(x_{n+1}).
public protocol InvertibleMap: DiscreteMap {
    /// Writes g⁻¹(x) into `previous`.
    func applyInverse(_ x: State, into previous: inout State)
}
