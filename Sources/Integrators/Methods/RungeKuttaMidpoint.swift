/// The one-step explicit midpoint rule (RK2): x_{n+1} = x_n + h f(x_n + (h/2) f(x_n), t_n + h/2).
/// Order 2; a reference method, not reversible (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.1).
public struct RungeKuttaMidpoint<Field: VectorField>: Integrator {
    public typealias State = Field.State
    public static var name: String { "rk2" }
    public var order: Int { 2 }
    public var isSymplectic: Bool { false }

    @usableFromInline var k = Workspace<State>()
    @usableFromInline var stage = Workspace<State>()

    @inlinable public init() {}

    @inlinable
    public mutating func step(_ field: Field, _ x: inout State, time t: State.Scalar, stepSize h: State.Scalar) {
        k.prepare(like: x)
        stage.prepare(like: x)
        field.evaluate(x, time: t, into: &k.storage!)
        stage.storage!.assign(x)
        stage.storage!.axpy(h / 2, k.storage!)
        field.evaluate(stage.storage!, time: t + h / 2, into: &k.storage!)
        x.axpy(h, k.storage!)
    }
}
