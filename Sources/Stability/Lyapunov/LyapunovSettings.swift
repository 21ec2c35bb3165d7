import Integrators
import LinearAlgebra

/// What a Lyapunov computation runs: where it starts, how long, and how it reports.
public struct LyapunovSettings<Scalar: BLASScalar>: Sendable {
    public var initialPoint: [Scalar]
    public var stepSize: Scalar
    /// Measured steps.
    public var steps: Int
    /// Steps run first and not measured, to land on the attractor.
    public var transient: Int
    /// Re-orthonormalise (or renormalise the neighbour) every this many steps.
    public var renormalizeEvery: Int
    /// About how many running estimates to keep.
    public var historyPoints: Int
    /// The unit of time per step: h for flows, 1 for maps.
    public var timePerStep: Double

    public init(initialPoint: [Scalar], stepSize: Scalar, steps: Int, transient: Int = 0,
                renormalizeEvery: Int = 1, historyPoints: Int = 200, timePerStep: Double? = nil) {
        precondition(steps > 0 && transient >= 0 && renormalizeEvery > 0,
                     "LyapunovSettings: steps > 0, transient ≥ 0 and renormalizeEvery > 0 are required")
        self.initialPoint = initialPoint
        self.stepSize = stepSize
        self.steps = steps
        self.transient = transient
        self.renormalizeEvery = renormalizeEvery
        self.historyPoints = historyPoints
        self.timePerStep = timePerStep ?? Double(stepSize)
    }

    /// Record a running estimate every this many steps.
    @inlinable public var historyInterval: Int { max(1, steps / max(1, historyPoints)) }

    /// Whether step n (1-based) ends a renormalisation interval.
    @inlinable public func renormalizes(at n: Int) -> Bool { n % renormalizeEvery == 0 || n == steps }

    /// The time at which step k (0-based, transient included) starts: k·h, so time-dependent
    /// fields see their true time.
    @inlinable public func time(ofStep k: Int) -> Scalar { Scalar(k) * stepSize }

    /// The frame both Lyapunov computations share: runs the transient from the initial point,
    /// then `body` from there (the binding's integrator and state, and the running estimates'
    /// history to append to), and times it all. `body` returns the accumulated log-growths per
    /// exponent; the exponents are those over the measured time.
    @inlinable
    public func measure<I: Integrator>(_ b: MethodBinding<I>,
                                       _ body: (inout I, inout I.State, inout [(time: Double, exponents: [Double])]) throws -> [Double])
        rethrows -> LyapunovResult<Scalar> where I.State.Scalar == Scalar {
        let clock = ContinuousClock(), t0 = clock.now
        var integrator = b.integrator
        var x = b.start(initialPoint, stepSize)
        for k in 0..<transient { integrator.step(b.field, &x, time: time(ofStep: k), stepSize: stepSize) }
        var history: [(time: Double, exponents: [Double])] = []
        let sums = try body(&integrator, &x, &history)
        let total = Double(steps) * timePerStep
        return LyapunovResult(exponents: sums.map { $0 / total }.sorted(by: >), history: history, seconds: seconds(since: t0, clock))
    }

    /// Appends the running estimates after measured step n when n ends a history interval.
    @inlinable
    public func record(step n: Int, sums: [Double], into history: inout [(time: Double, exponents: [Double])]) {
        guard n % historyInterval == 0 else { return }
        let time = Double(n) * timePerStep
        history.append((time, sums.map { $0 / time }.sorted(by: >)))
    }
}
