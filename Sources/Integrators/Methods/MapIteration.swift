/// A discrete map x_{n+1} = g(x_n) seen as an integrator, so that every experiment
/// (integration, reversibility, Jacobians of a step, Lyapunov exponents) runs on maps through
/// the same code path as on flows. The step size is ignored: one step is one iterate.
public struct MapIteration<Field: DiscreteMap>: Integrator {
    public typealias State = Field.State
    public static var name: String { "map" }
    public var order: Int { 0 }
    public var isSymplectic: Bool { false }

    @usableFromInline var next = Workspace<State>()

    @inlinable public init() {}

    @inlinable
    public mutating func step(_ map: Field, _ x: inout State, time: State.Scalar, stepSize h: State.Scalar) {
        next.prepare(like: x)
        map.apply(x, into: &next.storage!)
        swap(&x, &next.storage!)
    }
}

extension MapIteration: ReversibleIntegrator where Field: InvertibleMap {
    @inlinable
    public mutating func unstep(_ map: Field, _ x: inout State, time: State.Scalar, stepSize h: State.Scalar) {
        next.prepare(like: x)
        map.applyInverse(x, into: &next.storage!)
        swap(&x, &next.storage!)
    }
}
