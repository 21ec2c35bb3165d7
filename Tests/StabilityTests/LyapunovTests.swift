import Integrators
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
