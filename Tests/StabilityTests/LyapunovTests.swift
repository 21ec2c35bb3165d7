import Integrators
import RealModule
import LinearAlgebra
import Testing
@testable import Stability

@Suite("Lyapunov exponents")
struct LyapunovTests {
    /// y' = diag(0.5, −1, −2) y: exponents are the diagonal; RK4 with h = 0.01 reproduces
    /// e^{hλ} to O(h⁵), so the discrete exponents match to about 1e-9.
    @Test("a linear diagonal system has its diagonal as exponents, in Float and Double")
    func diagonal() throws {
        func check<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
            let a = Matrix<T>([[0.5, 0, 0], [0, -1, 0], [0, 0, -2]])
            let system = BuiltinSystem.linear(a)
            let r = try system.run(.rk4, LyapunovSpectrum(LyapunovSettings(initialPoint: [1, 1, 1], stepSize: 0.01, steps: 2000)))
            for (value, expected) in zip(r.exponents, [0.5, -1, -2]) { #expect(abs(value - expected) < tolerance, "\(T.self): \(r.exponents)") }
            #expect(abs(r.sum - (-2.5)) < tolerance)
        }
        try check(Double.self, tolerance: 1e-6)
        try check(Float.self, tolerance: 1e-2)
    }

    @Test("the exponents of Lorenz sum to its divergence −(σ + 1 + β)")
    func lorenzSum() throws {
        let system = try BuiltinSystem<Double>.named("lorenz")
        let r = try system.run(.rk4, LyapunovSpectrum(LyapunovSettings(initialPoint: system.initialPoint, stepSize: 0.01, steps: 20_000, transient: 500)))
        #expect(abs(r.sum - Lorenz<Double>().divergence) < 1e-3, "sum \(r.sum)")
        #expect(r.exponents[0] > 0.5 && abs(r.exponents[1]) < 0.1, "\(r.exponents)")
        #expect(r.history.count > 100 && r.history.last!.time == 200)
    }

    /// Hénon: det Dg = −b, so λ₁ + λ₂ = ln 0.3 exactly; λ₁ ≈ 0.419 (Grassberger & Procaccia,
    /// Physica D 9, 1983: 0.418; Sprott, *Chaos and Time-Series Analysis*, 2003: 0.41922).
    @Test("Hénon: the sum is ln b and both methods find λ₁ ≈ 0.419")
    func henon() throws {
        let system = try BuiltinSystem<Double>.named("henon")
        let spectrum = try system.run(.map, LyapunovSpectrum(LyapunovSettings(initialPoint: [0, 0], stepSize: 1, steps: 100_000, transient: 100)))
        #expect(abs(spectrum.sum - Double.log(0.3)) < 1e-9)
        #expect(abs(spectrum.exponents[0] - 0.41922) < 0.01 * 0.41922, "\(spectrum.exponents)")
        let largest = try system.run(.map, LargestLyapunovExponent(LyapunovSettings(initialPoint: [0, 0], stepSize: 1, steps: 100_000, transient: 100, renormalizeEvery: 1)))
        #expect(abs(largest.exponents[0] - 0.41922) < 0.01 * 0.41922, "\(largest.exponents)")
        #expect(abs(spectrum.kaplanYorkeDimension - (1 + spectrum.exponents[0] / abs(spectrum.exponents[1]))) < 1e-12)
    }

    @Test("Kaplan–Yorke dimension from the exponents")
    func kaplanYorke() {
        // Lorenz's published spectrum (0.9056, 0, −14.5723) gives D = 2 + 0.9056/14.5723.
        #expect(abs(LyapunovResult<Double>.kaplanYorke([0.9056, 0, -14.5723]) - 2.06214) < 1e-5)
        #expect(LyapunovResult<Double>.kaplanYorke([-1, -2]) == 0)
        #expect(LyapunovResult<Double>.kaplanYorke([0.1, 0.05]) == 2)
    }
}

/// x' = (α + β cos ωt) x, y' = (−γ + β sin ωt) y: the exponents are the time averages of the
/// coefficients, α and −γ, whatever β; with the time frozen at 0 they would be α + β and −γ.
struct PeriodicLinear: VectorField {
    typealias State = SIMD2<Double>
    let alpha = 0.2, beta = 1.5, gamma = 0.5, omega = 2.0
    func evaluate(_ s: State, time t: Double, into d: inout State) {
        d = State((alpha + beta * Double.cos(omega * t)) * s.x, (-gamma + beta * Double.sin(omega * t)) * s.y)
    }
}

@Suite("Lyapunov exponents of a time-dependent field")
struct NonAutonomousLyapunovTests {
    /// Over t = 100π (50 periods), RK4 with h = 0.01: the averages are exact over whole periods
    /// and RK4's error is O(h⁴), so 1e-6 is loose.
    @Test("a periodic linear field: the exponents are the coefficients' time averages")
    func periodicLinear() throws {
        let steps = Int((100 * Double.pi / 0.01).rounded())
        let settings = LyapunovSettings<Double>(initialPoint: [1, 1], stepSize: 100 * Double.pi / Double(steps), steps: steps)
        let binding = MethodBinding(oneStep: RungeKutta4<PeriodicLinear>(), field: PeriodicLinear())
        let spectrum = try LyapunovSpectrum(settings).run(binding)
        #expect(abs(spectrum.exponents[0] - 0.2) < 1e-6 && abs(spectrum.exponents[1] + 0.5) < 1e-6, "\(spectrum.exponents)")
    }

    /// The two forms follow the same trajectory (θ = ωt) until rounding separates them (the
    /// system is chaotic), so their finite-time exponents are two samples of the same
    /// statistic, converging as t grows: measured λ₁ (release CLI, `lyapunov --system duffing`
    /// and `duffing-autonomous`, RK4, h = 0.01, renormalising every 10 steps) 0.1176 / 0.0950
    /// at t = 2·10³ (19% apart), 0.1085 / 0.1039 at 2·10⁴ (4.2%), 0.1064 / 0.1053 at 2·10⁵
    /// (1.1%) — too long for a debug test, so t = 2000 here with a 30% bound. What must hold
    /// at any t: each spectrum sums to the divergence −δ, the autonomous one has a zero for θ,
    /// and the forced one is chaotic (the frozen-time bug gave [−0.15, −0.15]). The
    /// two-trajectory estimate runs along the very same x(t) as the forced spectrum, so it must
    /// match that one's λ₁ closely.
    @Test("forced Duffing: the time-dependent form is chaotic like the autonomous form, and both sum to −δ")
    func duffing() throws {
        let settings2 = LyapunovSettings<Double>(initialPoint: [1, 0], stepSize: 0.01, steps: 200_000, transient: 10_000, renormalizeEvery: 10)
        let settings3 = LyapunovSettings<Double>(initialPoint: [1, 0, 0], stepSize: 0.01, steps: 200_000, transient: 10_000, renormalizeEvery: 10)
        let forced = try LyapunovSpectrum(settings2).run(MethodBinding(oneStep: RungeKutta4<ForcedDuffing<Double>>(), field: ForcedDuffing<Double>()))
        let autonomous = try LyapunovSpectrum(settings3).run(MethodBinding(oneStep: RungeKutta4<AutonomousDuffing<Double>>(), field: AutonomousDuffing<Double>()))
        let (a, b) = (forced.exponents, autonomous.exponents)
        #expect(a[0] > 0.05 && abs(a[0] - b[0]) <= 0.3 * abs(b[0]), "forced \(a), autonomous \(b)")
        #expect(abs(a[1] - b[2]) <= 0.1 * abs(b[2]) && abs(b[1]) < 1e-6, "forced \(a), autonomous \(b)")
        #expect(abs(forced.sum + 0.3) < 1e-3 && abs(autonomous.sum + 0.3) < 1e-3, "\(forced.sum), \(autonomous.sum)")
        // Two nearby trajectories along the very same x(t): the same finite-time λ₁ to 2%.
        let largest = try LargestLyapunovExponent(settings2).run(MethodBinding(oneStep: RungeKutta4<ForcedDuffing<Double>>(), field: ForcedDuffing<Double>()))
        #expect(abs(largest.exponents[0] - a[0]) <= 0.02 * a[0], "largest \(largest.exponents[0]) vs \(a[0])")
    }

    /// The tangent steps move each coordinate by at most its own difference step
    /// (`FiniteDifference.directionalStep`). Scaled by ‖x‖ instead, a phase θ = 2.4·10⁵ (where
    /// the autonomous form is at t = 2·10⁵) made them of order 1 in x and v — outside the linear
    /// regime: Σλ came out −0.316 instead of −δ and λ₁ collapsed to 0. Σλ is exact for any t
    /// (the mean of the trace of the Jacobian, −δ, up to RK4's O(h⁴)): 1e-6 is loose.
    @Test("the autonomous Duffing form at a large phase θ: Σλ = −δ, λ₁ > 0 (tangent steps scaled per coordinate)")
    func largePhase() throws {
        let settings = LyapunovSettings<Double>(initialPoint: [1, 0, 240_000], stepSize: 0.01, steps: 100_000, transient: 5_000, renormalizeEvery: 10)
        let spectrum = try LyapunovSpectrum(settings).run(MethodBinding(oneStep: RungeKutta4<AutonomousDuffing<Double>>(), field: AutonomousDuffing<Double>()))
        #expect(abs(spectrum.sum + 0.3) < 1e-6 && spectrum.exponents[0] > 0.05, "\(spectrum.exponents)")
        let largest = try LargestLyapunovExponent(settings).run(MethodBinding(oneStep: RungeKutta4<AutonomousDuffing<Double>>(), field: AutonomousDuffing<Double>()))
        #expect(largest.exponents[0] > 0.05, "\(largest.exponents)")
    }
}
