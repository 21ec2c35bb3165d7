import LinearAlgebra

/// The outcome of a forward-then-backward run.
public struct ReversibilityResult<Scalar: BLASScalar> {
    /// Whether the backward run used the exact inverse step (`unstep`) or a step with −h.
    public var exactInverse: Bool
    /// ‖x̂₀ − x₀‖ / ‖x₀‖ after N steps forward and N back.
    public var reconstructionError: Scalar
    /// (n, error) for n = 1, 10, 100, … ≤ N, and N itself.
    public var errors: [(steps: Int, error: Scalar)]

    public init(exactInverse: Bool, reconstructionError: Scalar, errors: [(steps: Int, error: Scalar)]) {
        self.exactInverse = exactInverse
        self.reconstructionError = reconstructionError
        self.errors = errors
    }
}

/// Tests reversibility numerically: n steps forward, n back, and the relative distance to the
/// start, for n = 1, 10, 100, … ≤ N (Chang et al. 2018, §3: the reversible methods recompute
/// activations backwards instead of storing them; this measures how well that works).
///
/// The comparison is made on the integrator's full state (for two-step methods the pair
/// (y_{−1}, y_0)), because that is what `unstep` reconstructs.
public struct Reversibility<Scalar: BLASScalar>: BindingExperiment {
    public var initialPoint: [Scalar]
    public var stepSize: Scalar
    public var steps: Int

    public init(initialPoint: [Scalar], stepSize: Scalar, steps: Int) {
        precondition(steps > 0, "Reversibility: steps must be positive")
        self.initialPoint = initialPoint
        self.stepSize = stepSize
        self.steps = steps
    }

    /// 1, 10, 100, … ≤ N, and N.
    @inlinable
    public static func checkpoints(upTo n: Int) -> [Int] {
        var out: [Int] = []
        var k = 1
        while k <= n {
            out.append(k)
            if k > n / 10 { break }
            k *= 10
        }
        if out.last != n { out.append(n) }
        return out
    }

    @inlinable
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> ReversibilityResult<Scalar> where I.State: CoordinateState, I.State.Scalar == Scalar {
        let h = stepSize
        let x0 = b.start(initialPoint, h)
        let scale = x0.norm == 0 ? 1 : x0.norm
        var errors: [(Int, Scalar)] = []
        for n in Self.checkpoints(upTo: steps) {
            var integrator = b.integrator
            var x = x0
            // Times t_k = k·h, not accumulated sums: a field that depends on time (a network's
            // units) sees the same t_k going forward and back.
            for k in 0..<n { integrator.step(b.field, &x, time: Scalar(k) * h, stepSize: h) }
            for k in stride(from: n, to: 0, by: -1) {
                let t = Scalar(k) * h
                if let unstep = b.unstep {
                    unstep(&integrator, b.field, &x, t, h)
                } else {
                    integrator.step(b.field, &x, time: t, stepSize: -h)
                }
            }
            errors.append((n, x.distance(to: x0) / scale))
        }
        return ReversibilityResult(exactInverse: b.unstep != nil, reconstructionError: errors.last!.1, errors: errors)
    }
}
