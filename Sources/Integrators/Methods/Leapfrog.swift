/// The two-step Störmer/leapfrog rule for y'' = F(y): y_{n+1} = 2y_n − y_{n−1} + h² F(y_n),
/// as a one-step map on (y_{n−1}, y_n). Order 2, symplectic (it is Störmer–Verlet with the
/// velocity eliminated), reversible with the exact inverse y_{n−1} = 2y_n − y_{n+1} + h² F(y_n)
/// (Hairer, Lubich & Wanner, Acta Numerica 2003, eq. 1.2; Chang et al. 2018, eq. 9).
public struct Leapfrog<Field: SecondOrderVectorField>: ReversibleIntegrator {
    public typealias State = TwoStepState<Field.State>
    public static var name: String { "leapfrog" }
    public var order: Int { 2 }
    public var isSymplectic: Bool { true }

    public typealias Start = LeapfrogStart

    @usableFromInline var k = Workspace<Field.State>()

    @inlinable public init() {}

    /// The two-step state at t_0 from position y_0 and velocity v_0.
    @inlinable
    public static func start(_ field: Field, position y0: Field.State, velocity v0: Field.State,
                             time t: Field.Scalar, stepSize h: Field.Scalar, using start: Start) -> State {
        var previous = y0
        if start == .taylor {
            var a = y0
            field.acceleration(y0, time: t, into: &a)
            previous.axpy(-h, v0)
            previous.axpy(h * h / 2, a)
        }
        return TwoStepState(previous: previous, current: y0)
    }

    /// The velocity at y_n implied by the state: v_n = (y_n − y_{n−1})/h + (h/2) F(y_n), the
    /// momentum of the equivalent velocity-Verlet iteration (so energies are comparable).
    @inlinable
    public static func velocity(_ field: Field, of s: State, time t: Field.Scalar, stepSize h: Field.Scalar) -> Field.State {
        var v = s.current
        field.acceleration(s.current, time: t, into: &v)
        v.scale(by: h / 2)
        v.axpy(1 / h, s.current)
        v.axpy(-1 / h, s.previous)
        return v
    }

    @inlinable
    public mutating func step(_ field: Field, _ s: inout State, time t: Field.Scalar, stepSize h: Field.Scalar) {
        k.prepare(like: s.current)
        field.acceleration(s.current, time: t, into: &k.storage!)
        s.previous.scale(by: -1)
        s.previous.axpy(2, s.current)
        s.previous.axpy(h * h, k.storage!)  // previous ← y_{n+1}
        s.swapParts()
    }

    @inlinable
    public mutating func unstep(_ field: Field, _ s: inout State, time t: Field.Scalar, stepSize h: Field.Scalar) {
        k.prepare(like: s.current)
        field.acceleration(s.previous, time: t - h, into: &k.storage!)
        s.current.scale(by: -1)
        s.current.axpy(2, s.previous)
        s.current.axpy(h * h, k.storage!)  // current ← y_{n−1}
        s.swapParts()
    }
}

/// How the leapfrog rule chooses y_{−1} from y_0 and the initial velocity.
public enum LeapfrogStart: String, Sendable, CaseIterable {
    /// y_{−1} = y_0 (zero initial velocity), as in the authors' network code.
    case repeatInitial = "repeat"
    /// y_{−1} = y_0 − h v_0 + (h²/2) F(y_0), the Taylor expansion: O(h³) error, order 2 kept.
    case taylor
}
