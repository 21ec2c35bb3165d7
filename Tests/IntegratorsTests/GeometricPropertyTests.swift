import LinearAlgebra
import Testing
@testable import Integrators

@Suite("Energy, symplecticity and stability")
struct GeometricPropertyTests {
    /// Kepler, e = 0.6, h = 0.01 (GNI §I.2.3): symplectic Verlet keeps the energy error bounded
    /// (no drift between 10⁵ and 10⁶ steps), while Euler's grows without bound.
    @Test("Verlet's energy error on Kepler stays bounded over 10⁶ steps; Euler's grows")
    func keplerEnergy() {
        let field = Kepler<Double>()
        let (q0, p0) = Kepler<Double>.initialState()
        let h0 = field.energy(q: q0, p: p0)
        var verlet = StormerVerlet<Kepler<Double>>()
        var s = PartitionedState(q: q0, p: p0)
        var worstEarly = 0.0, worstLate = 0.0
        for n in 1...1_000_000 {
            verlet.step(field, &s, time: 0, stepSize: 0.01)
            if n % 100 == 0 {
                let e = abs(field.energy(q: s.q, p: s.p) - h0) / abs(h0)
                if n <= 100_000 { worstEarly = max(worstEarly, e) } else { worstLate = max(worstLate, e) }
            }
        }
        #expect(worstEarly < 1e-3 && worstLate < 2 * worstEarly, "early \(worstEarly), late \(worstLate)")

        var euler = ForwardEuler<FirstOrderForm<Kepler<Double>>>()
        var x = PartitionedState(q: q0, p: p0)
        var eulerEnergy: [Double] = []
        for n in 1...100_000 {
            euler.step(FirstOrderForm(field), &x, time: 0, stepSize: 0.01)
            if n == 10_000 || n == 100_000 { eulerEnergy.append(abs(field.energy(q: x.q, p: x.p) - h0) / abs(h0)) }
        }
        #expect(eulerEnergy[0] > 100 * worstEarly && eulerEnergy[1] > eulerEnergy[0])
    }

    /// The Jacobian of a symplectic map of the plane has determinant 1 (area preservation);
    /// measured by central differences (step 1e-5: truncation ~1e-10, rounding ~1e-11).
    @Test("Verlet (both schemes) and leapfrog preserve area on the pendulum; RK4 does not exactly")
    func areaPreservation() {
        let field = Pendulum<Double>()
        func determinant(_ map: ([Double]) -> [Double]) -> Double {
            let x = [0.8, 0.3], e = 1e-5
            func column(_ k: Int) -> [Double] {
                var plus = x, minus = x
                plus[k] += e
                minus[k] -= e
                return zip(map(plus), map(minus)).map { ($0 - $1) / (2 * e) }
            }
            let c0 = column(0), c1 = column(1)
            return c0[0] * c1[1] - c0[1] * c1[0]
        }
        let h = 0.3
        for scheme in VerletScheme.allCases {
            let det = determinant { x in
                var v = StormerVerlet<Pendulum<Double>>(scheme: scheme)
                var s = PartitionedState(q: [x[0]], p: [x[1]])
                for _ in 0..<5 { v.step(field, &s, time: 0, stepSize: h) }
                return s.q + s.p
            }
            #expect(abs(det - 1) < 1e-8, "\(scheme): det = \(det)")
        }
        let leapfrog = determinant { x in  // (y₋₁, y₀) ↦ (y₄, y₅)
            var l = Leapfrog<Pendulum<Double>>()
            var s = TwoStepState(previous: [x[0]], current: [x[1]])
            for _ in 0..<5 { l.step(field, &s, time: 0, stepSize: h) }
            return s.previous + s.current
        }
        #expect(abs(leapfrog - 1) < 1e-8, "leapfrog: det = \(leapfrog)")
        let rk4 = determinant { x in
            var r = RungeKutta4<FirstOrderForm<Pendulum<Double>>>()
            var s = PartitionedState(q: [x[0]], p: [x[1]])
            for _ in 0..<5 { r.step(FirstOrderForm(field), &s, time: 0, stepSize: h) }
            return s.q + s.p
        }
        #expect(abs(rk4 - 1) > 1e-6, "rk4: det = \(rk4)")
    }

    /// Leapfrog is Störmer–Verlet with the velocity eliminated (GNI §I.1.4): started with the
    /// Taylor y₋₁, its positions equal those of the staggered scheme started with p_{½}, up to
    /// rounding (which the pendulum, unlike Kepler near pericentre, does not amplify much).
    @Test("leapfrog and staggered Verlet trace the same positions")
    func leapfrogIsVerlet() {
        func check<T: BLASScalar>(_: T.Type, tolerance: T) {
            let field = Pendulum<T>()
            let q0: [T] = [1.2], p0: [T] = [0.4]
            let h: T = 0.01
            var a = q0
            field.acceleration(q0, time: 0, into: &a)
            var verlet = StormerVerlet<Pendulum<T>>(scheme: .staggered)
            // The staggered drift q₁ = q₀ + h p uses p_{½} = p₀ + (h/2) F(q₀).
            var p = p0
            p.axpy(h / 2, a)
            var s = PartitionedState(q: q0, p: p)
            var leapfrog = Leapfrog<Pendulum<T>>()
            var l = Leapfrog.start(field, position: q0, velocity: p0, time: 0, stepSize: h, using: .taylor)
            var worst: T = 0
            for _ in 0..<1000 {
                leapfrog.step(field, &l, time: 0, stepSize: h)
                verlet.step(field, &s, time: 0, stepSize: h)
                worst = max(worst, l.current.distance(to: s.q))
            }
            #expect(worst < tolerance, "\(T.self): \(worst)")
        }
        check(Float.self, tolerance: 1e-4)
        check(Double.self, tolerance: 1e-12)
    }

    /// y' = λy with z = hλ = iω: the midpoint rule's roots μ = z ± √(1 + z²) have |μ| = 1 for
    /// ω ≤ 1; for ω > 1 or any real part one root exceeds 1 (Chang et al. 2018, §3.2).
    @Test("two-step midpoint on y' = λy: stable on [−i, i], unstable off it",
          arguments: [(0.0, 0.5, true), (0.0, 0.99, true), (0.0, 1.05, false), (-0.02, 0.5, false), (0.02, 0.5, false)])
    func midpointStability(re: Double, im: Double, stable: Bool) {
        func growth<T: BLASScalar>(_: T.Type) -> T {
            // λ = re + i·im as the real 2×2 [[re, −im], [im, re]], h = 1.
            let field = LinearSystem(Matrix<T>([[T(re), T(-im)], [T(im), T(re)]]))
            var m = ExplicitMidpoint<LinearSystem<T>>()
            var s = ExplicitMidpoint.start(field, [1, 0], time: 0, stepSize: 1, using: .eulerStep)
            var worst: T = 0
            for _ in 0..<2000 {
                m.step(field, &s, time: 0, stepSize: 1)
                worst = max(worst, s.current.norm)
            }
            return worst
        }
        for g in [Double(growth(Float.self)), growth(Double.self)] {
            // Bounded: |μ| = 1, the solution stays O(1/√(1−ω²)). Unstable: |μ|ⁿ ≥ 1.02^2000 ≈ 1e17
            // (or overflow to ∞ in Float).
            if stable { #expect(g < 20, "max |y| = \(g)") } else { #expect(!(g < 1e6), "max |y| = \(g)") }
        }
    }
}
