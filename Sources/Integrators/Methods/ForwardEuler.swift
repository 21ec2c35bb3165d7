/// Forward Euler, x_{n+1} = x_n + h f(x_n, t_n): order 1, neither symplectic nor reversible.
/// A residual network block is exactly this step (Chang et al. 2018, eq. 2; Haber & Ruthotto,
/// "Stable architectures for deep neural networks", Inverse Problems 2017).
public struct ForwardEuler<Field: VectorField>: Integrator {
    public typealias State = Field.State
    public static var name: String { "euler" }
    public var order: Int { 1 }
    public var isSymplectic: Bool { false }

    @usableFromInline var k = Workspace<State>()

    @inlinable public init() {}

    @inlinable
    public mutating func step(_ field: Field, _ x: inout State, time t: State.Scalar, stepSize h: State.Scalar) {
        k.prepare(like: x)
        field.evaluate(x, time: t, into: &k.storage!)
        x.axpy(h, k.storage!)
    }
}
