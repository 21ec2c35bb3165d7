import Foundation
import Testing
@testable import Networks

/// Reference values: two-sided 95% Student-t critical values t_{0.975, ν} as tabulated (R's
/// `qt(0.975, ν)`, NIST/SEMATECH e-Handbook Table 1.3.6.7.2), to the digits quoted there; the
/// bisection stops at 1e-13 relative, so 1e-8 relative is far from both.
@Suite("Sample summaries: Student-t quantiles and confidence intervals")
struct SampleSummaryTests {
    @Test("t quantiles match the tables", arguments: [
        (1.0, 12.70620474), (2.0, 4.302652730), (4.0, 2.776445105), (5.0, 2.570581836), (10.0, 2.228138852),
        (30.0, 2.042272456), (100.0, 1.983971519),
    ])
    func quantiles(nu: Double, expected: Double) {
        let t = StudentT.quantile(0.975, degreesOfFreedom: nu)
        #expect(abs(t - expected) <= 1e-8 * expected, "ν = \(nu): \(t)")
        #expect(abs(StudentT.cdf(t, degreesOfFreedom: nu) - 0.975) < 1e-12)
        #expect(abs(StudentT.quantile(0.025, degreesOfFreedom: nu) + expected) <= 1e-8 * expected)
    }

    /// ν = 1 is the Cauchy distribution, whose CDF is ½ + atan(t)/π: a closed form.
    @Test("the CDF at one degree of freedom is the Cauchy distribution's")
    func cauchy() {
        for t in [-30.0, -2, -0.5, 0, 0.3, 1, 7, 100] {
            #expect(abs(StudentT.cdf(t, degreesOfFreedom: 1) - (0.5 + atan(t) / .pi)) < 1e-13, "t = \(t)")
        }
    }

    @Test("mean, standard deviation and the 95% interval of a small sample; one value has no interval")
    func summary() throws {
        // Values 94.72, 96.11, 95.00: mean 95.2767, s = 0.7353…, half-width = 4.3027·s/√3.
        let s = try #require(SampleSummary([94.72, 96.11, 95.00]))
        #expect(abs(s.mean - 95.276666666666667) < 1e-12)
        let sd = ((0.5566666666666667 * 0.5566666666666667 + 0.8333333333333333 * 0.8333333333333333
                   + 0.2766666666666667 * 0.2766666666666667) / 2).squareRoot()
        #expect(abs(try #require(s.standardDeviation) - sd) < 1e-12)
        #expect(abs(try #require(s.halfWidth) - 4.302652730 * sd / 3.0.squareRoot()) < 1e-8)
        #expect(s.sign == 1)
        let one = try #require(SampleSummary([0.5]))
        #expect(one.halfWidth == nil && one.standardDeviation == nil && one.sign == 0)
        #expect(SampleSummary([]) == nil)
        #expect(SampleSummary([-1, 1, -2, 2])?.sign == 0)
    }
}
