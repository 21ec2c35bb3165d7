/// The classical fourth-order Runge–Kutta method (Kutta 1901): the accuracy reference.
/// Order 4; neither symplectic nor reversible (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.1).
public struct RungeKutta4<Field: VectorField>: Integrator {
    public typealias State = Field.State
    public static var name: String { "rk4" }
    public var order: Int { 4 }
    public var isSymplectic: Bool { false }

    @usableFromInline var k = Workspace<State>()
    @usableFromInline var sum = Workspace<State>()
    @usableFromInline var stage = Workspace<State>()

    @inlinable public init() {}

    @inlinable
    public mutating func step(_ field: Field, _ x: inout State, time t: State.Scalar, stepSize h: State.Scalar) {
        k.prepare(like: x)
        sum.prepare(like: x)
        stage.prepare(like: x)
        // k1
        field.evaluate(x, time: t, into: &k.storage!)
        sum.storage!.assign(k.storage!)
        // k2 = f(x + h/2 k1)
        stage.storage!.assign(x)
        stage.storage!.axpy(h / 2, k.storage!)
        field.evaluate(stage.storage!, time: t + h / 2, into: &k.storage!)
        sum.storage!.axpy(2, k.storage!)
        // k3 = f(x + h/2 k2)
        stage.storage!.assign(x)
        stage.storage!.axpy(h / 2, k.storage!)
        field.evaluate(stage.storage!, time: t + h / 2, into: &k.storage!)
        sum.storage!.axpy(2, k.storage!)
        // k4 = f(x + h k3)
        stage.storage!.assign(x)
        stage.storage!.axpy(h, k.storage!)
        field.evaluate(stage.storage!, time: t + h, into: &k.storage!)
        sum.storage!.add(k.storage!)
        x.axpy(h / 6, sum.storage!)
    }
}
