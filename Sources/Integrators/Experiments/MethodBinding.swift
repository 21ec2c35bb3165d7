import LinearAlgebra

/// An integrator bound to a field, with the glue between the system's point (its flat
/// coordinates, e.g. (q, p)) and the integrator's own state (e.g. the pair (y_{n−1}, y_n) of a
/// two-step method). Experiments are written once against this and run fully specialised.
public struct MethodBinding<I: Integrator> where I.State.Scalar: BLASScalar {
    public typealias Scalar = I.State.Scalar

    public var integrator: I
    public let field: I.Field
    /// The integrator's state at t₀ for a system point and step size h.
    public let start: (_ point: [Scalar], _ h: Scalar) -> I.State
    /// The system point represented by an integrator state (at step size h).
    public let point: (_ state: I.State, _ h: Scalar) -> [Scalar]
    /// The exact inverse step, when the method has one.
    public let unstep: ((inout I, I.Field, inout I.State, Scalar, Scalar) -> Void)?

    @inlinable
    public init(integrator: I, field: I.Field,
                start: @escaping ([Scalar], Scalar) -> I.State,
                point: @escaping (I.State, Scalar) -> [Scalar],
                unstep: ((inout I, I.Field, inout I.State, Scalar, Scalar) -> Void)?) {
        self.integrator = integrator
        self.field = field
        self.start = start
        self.point = point
        self.unstep = unstep
    }
}

extension MethodBinding where I.State: CoordinateState {
    /// A one-step method whose state is the system point itself.
    @inlinable
    public init(oneStep integrator: I, field: I.Field) {
        self.init(integrator: integrator, field: field,
                  start: { p, _ in I.State(coordinates: p) }, point: { s, _ in s.coordinates }, unstep: nil)
    }
}

extension MethodBinding where I: ReversibleIntegrator, I.State: CoordinateState {
    /// A reversible one-step method whose state is the system point itself.
    @inlinable
    public init(reversible integrator: I, field: I.Field) {
        self.init(integrator: integrator, field: field,
                  start: { p, _ in I.State(coordinates: p) }, point: { s, _ in s.coordinates },
                  unstep: { i, f, s, t, h in i.unstep(f, &s, time: t, stepSize: h) })
    }
}

/// An experiment that runs on any bound method: the visitor through which the catalog hands
/// over a binding whose concrete types only it knows.
public protocol BindingExperiment {
    associatedtype Scalar: BLASScalar
    associatedtype Result
    func run<I: Integrator>(_ binding: MethodBinding<I>) throws -> Result
    where I.State: CoordinateState, I.State.Scalar == Scalar
}
