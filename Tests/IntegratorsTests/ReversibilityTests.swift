import LinearAlgebra
import Testing
@testable import Integrators

@Suite("Exact inverse steps")
struct ReversibilityTests {
    /// unstep∘step on Kepler from a point off the initial orbit. Tolerance: a step is a handful
    /// of roundings of O(1) numbers, so undoing it lands within a few ulps of |x| (8 ulps).
    @Test("unstep ∘ step = id within a few ulps, Float and Double")
    func unstepInvertsStep() {
        func check<T: BLASScalar>(_: T.Type) {
            let field = Kepler<T>()
            let q = SIMD2<T>(0.7, -0.3), p = SIMD2<T>(0.2, 1.1)
            let h: T = 0.05
            let tolerance = 8 * T.ulpOfOne * 2
            for scheme in VerletScheme.allCases {
                var verlet = StormerVerlet<Kepler<T>>(scheme: scheme)
                var s = PartitionedState(q: q, p: p)
                verlet.step(field, &s, time: 0, stepSize: h)
                verlet.unstep(field, &s, time: h, stepSize: h)
                #expect(s.distance(to: PartitionedState(q: q, p: p)) <= tolerance, "verlet \(scheme)")
            }
            var leapfrog = Leapfrog<Kepler<T>>()
            var l = TwoStepState(previous: q, current: q + h * p)
            let l0 = l
            leapfrog.step(field, &l, time: 0, stepSize: h)
            leapfrog.unstep(field, &l, time: h, stepSize: h)
            #expect(l.distance(to: l0) <= tolerance, "leapfrog")
            var midpoint = ExplicitMidpoint<FirstOrderForm<Kepler<T>>>()
            let form = FirstOrderForm(field)
            var m = TwoStepState(previous: PartitionedState(q: q, p: p), current: PartitionedState(q: q + h * p, p: p))
            let m0 = m
            midpoint.step(form, &m, time: 0, stepSize: h)
            midpoint.unstep(form, &m, time: h, stepSize: h)
            #expect(m.distance(to: m0) <= tolerance, "midpoint")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test("Verlet and leapfrog on the harmonic oscillator: 10⁵ steps there and back")
    func harmonicRoundTrip() throws {
        for method in [MethodName.verlet, .leapfrog] {
            let d = try BuiltinSystem<Double>.named("harmonic")
                .run(method, Reversibility(initialPoint: [1, 0], stepSize: 0.01, steps: 100_000))
            #expect(d.exactInverse && d.reconstructionError < 1e-9, "\(method) double: \(d.reconstructionError)")
            let f = try BuiltinSystem<Float>.named("harmonic")
                .run(method, Reversibility(initialPoint: [1, 0], stepSize: 0.01, steps: 100_000))
            #expect(f.reconstructionError < 1e-3, "\(method) float: \(f.reconstructionError)")
        }
    }

    @Test("methods without an inverse step back with −h and say so")
    func noExactInverse() throws {
        let r = try BuiltinSystem<Double>.named("lorenz").run(.rk4, Reversibility(initialPoint: [1, 1, 1], stepSize: 0.01, steps: 10))
        #expect(!r.exactInverse)
        #expect(r.errors.map(\.steps) == [1, 10])
    }

    /// Chang et al. 2018 §3: the two-step midpoint is algebraically reversible, but on a
    /// dissipative field its parasitic root |μ| > 1 amplifies rounding in both directions.
    @Test("midpoint: reversible on an anti-symmetric field, not on a dissipative one")
    func midpointDissipative() throws {
        let a = Matrix<Double>([[0, 1, 0], [-1, 0, 2], [0, -2, 0]])
        let dissipative = a - 0.5 * Matrix.identity(3)
        func error(_ m: Matrix<Double>, steps: Int) throws -> Double {
            try BuiltinSystem.linear(m)
                .run(.midpoint, Reversibility(initialPoint: [1, 0, 0], stepSize: 0.01, steps: steps)).reconstructionError
        }
        #expect(try error(a, steps: 10_000) < 1e-12)
        let short = try error(dissipative, steps: 100), long = try error(dissipative, steps: 5_000)
        #expect(long > 1e6 * max(short, 1e-16), "errors \(short) → \(long)")
    }

    @Test("checkpoints are 1, 10, 100, … and N")
    func checkpoints() {
        #expect(Reversibility<Double>.checkpoints(upTo: 1) == [1])
        #expect(Reversibility<Double>.checkpoints(upTo: 100) == [1, 10, 100])
        #expect(Reversibility<Double>.checkpoints(upTo: 2500) == [1, 10, 100, 1000, 2500])
    }
}
