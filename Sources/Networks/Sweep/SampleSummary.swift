import Foundation

/// The mean of a small sample of a measurement (one value per seed) with its standard deviation
/// and a two-sided Student-t confidence interval: mean ± t_{1−α/2, n−1}·s/√n (Student 1908; the
/// interval of a normal mean with unknown variance). What a sweep reports per cell, and, applied
/// to per-seed differences, what it reports for a paired comparison.
public struct SampleSummary: Codable, Equatable, Sendable {
    public var count: Int
    public var mean: Double
    /// The sample standard deviation (n − 1 in the denominator); nil for one value.
    public var standardDeviation: Double?
    /// Half the width of the confidence interval; nil for one value.
    public var halfWidth: Double?
    /// The interval's confidence level (0.95 unless asked otherwise).
    public var confidence: Double

    /// nil for an empty sample.
    public init?(_ values: [Double], confidence: Double = 0.95) {
        precondition(confidence > 0 && confidence < 1, "SampleSummary: confidence must be in (0, 1)")
        guard !values.isEmpty else { return nil }
        count = values.count
        mean = values.reduce(0, +) / Double(values.count)
        self.confidence = confidence
        guard values.count > 1 else { return }
        let m = mean
        let s = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
        standardDeviation = s
        halfWidth = StudentT.quantile(1 - (1 - confidence) / 2, degreesOfFreedom: Double(values.count - 1)) * s / Double(values.count).squareRoot()
    }

    /// Whether the interval lies entirely above zero (+1), below it (−1), or contains it (0): for
    /// a paired difference, which side wins at this confidence, or neither.
    public var sign: Int {
        guard let h = halfWidth else { return 0 }
        return mean - h > 0 ? 1 : mean + h < 0 ? -1 : 0
    }
}

/// Student's t distribution: its CDF through the regularised incomplete beta function
/// (continued fraction by the modified Lentz method; Press et al., Numerical Recipes, §6.4) and
/// its quantile by bisection on the CDF.
public enum StudentT {
    /// P(T ≤ t) for ν degrees of freedom.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "StudentT: degrees of freedom must be positive")
        let tail = 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// t with P(T ≤ t) = p, to about 1e-12 relative.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1, "StudentT: p must be in (0, 1)")
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        var low = 0.0, high = 1.0
        while cdf(high, degreesOfFreedom: nu) < p { high *= 2 }
        for _ in 0..<200 where high - low > 1e-13 * high {
            let mid = (low + high) / 2
            if cdf(mid, degreesOfFreedom: nu) < p { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// I_x(a, b).
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x))
        // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use symmetry otherwise.
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a: a, b: b) / a }
        return 1 - front * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d; if abs(d) < tiny { d = tiny }
            c = 1 + even / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d; if abs(d) < tiny { d = tiny }
            c = 1 + odd / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
