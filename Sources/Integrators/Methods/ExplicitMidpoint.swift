/// The two-step explicit midpoint rule (the "leapfrog" of first-order ODEs),
/// y_{n+1} = y_{n−1} + 2h f(y_n, t_n), as a one-step map on (y_{n−1}, y_n).
///
/// Order 2 (with an O(h²) start); reversible with the exact inverse
/// y_{n−1} = y_{n+1} − 2h f(y_n). Its characteristic roots on y' = λy are
/// μ = z ± √(1 + z²), z = hλ: both have modulus 1 exactly when z ∈ [−i, i], and for any real
/// part one root leaves the unit disc, so the method is stable only on that segment
/// (Chang et al. 2018, §3.2; Hairer, Nørsett & Wanner, *Solving ODEs I*, §III.9).
/// Algebraically reversible is therefore not numerically reversible on dissipative fields.
public struct ExplicitMidpoint<Field: VectorField>: ReversibleIntegrator {
    public typealias State = TwoStepState<Field.State>
    public static var name: String { "midpoint" }
    public var order: Int { 2 }
    public var isSymplectic: Bool { false }

    public typealias Start = MidpointStart

    @usableFromInline var k = Workspace<Field.State>()

    @inlinable public init() {}

    /// The two-step state at t_0 for initial value y_0.
    @inlinable
    public static func start(_ field: Field, _ y0: Field.State, time t: Field.Scalar, stepSize h: Field.Scalar,
                             using start: Start) -> State {
        var previous = y0
        if start == .eulerStep { previous.axpy(-h, field(y0, time: t)) }
        return TwoStepState(previous: previous, current: y0)
    }

    @inlinable
    public mutating func step(_ field: Field, _ s: inout State, time t: Field.Scalar, stepSize h: Field.Scalar) {
        k.prepare(like: s.current)
        field.evaluate(s.current, time: t, into: &k.storage!)
        s.previous.axpy(2 * h, k.storage!)  // previous ← y_{n+1}
        s.swapParts()                       // (y_n, y_{n+1})
    }

    @inlinable
    public mutating func unstep(_ field: Field, _ s: inout State, time t: Field.Scalar, stepSize h: Field.Scalar) {
        k.prepare(like: s.current)
        field.evaluate(s.previous, time: t - h, into: &k.storage!)
        s.current.axpy(-2 * h, k.storage!)  // current ← y_{n−1}
        s.swapParts()                       // (y_{n−1}, y_n)
    }
}

/// How the two-step midpoint rule chooses y_{−1} from y_0.
public enum MidpointStart: String, Sendable, CaseIterable {
    /// y_{−1} = y_0, as in the authors' network code. The first step is then Euler with 2h,
    /// an O(h) error that excites the parasitic mode: global order drops to 1.
    case repeatInitial = "repeat"
    /// y_{−1} = y_0 − h f(y_0), one Euler step backwards: O(h²) error, order 2 kept.
    case eulerStep = "euler"
}
