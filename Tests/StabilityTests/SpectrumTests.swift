import ComplexModule
import LinearAlgebra
import Testing
@testable import Stability

@Suite("Spectra and verdicts")
struct SpectrumTests {
    @Test("continuous-time verdicts of closed-form matrices, Float and Double")
    func continuous() throws {
        func check<T: BLASScalar>(_: T.Type) throws {
            // Harmonic oscillator generator: ±i, marginal and purely imaginary.
            let oscillator = try Spectrum(of: Matrix<T>([[0, 1], [-1, 0]]))
            #expect(oscillator.isPurelyImaginary && oscillator.verdict(.continuous) == .marginal)
            #expect(abs(oscillator.spectralRadius - 1) <= 10 * T.ulpOfOne)
            // Damped oscillator x'' + 0.2x' + x = 0: λ = −0.1 ± i√0.99, stable.
            let damped = try Spectrum(of: Matrix<T>([[0, 1], [-1, -0.2]]))
            #expect(damped.verdict(.continuous) == .stable && !damped.isPurelyImaginary)
            #expect(abs(damped.spectralAbscissa + 0.1) <= 100 * T.ulpOfOne)
            // Saddle: eigenvalues ±1, unstable.
            let saddle = try Spectrum(of: Matrix<T>([[0, 1], [1, 0]]))
            #expect(saddle.verdict(.continuous) == .unstable)
            #expect(saddle.eigenvalues.first!.real > saddle.eigenvalues.last!.real)
        }
        try check(Float.self)
        try check(Double.self)
    }

    @Test("discrete-time verdicts by the spectral radius")
    func discrete() {
        let rotation = Spectrum<Double>(eigenvalues: [Complex(0.6, 0.8), Complex(0.6, -0.8)])
        #expect(rotation.verdict(.discrete) == .marginal)
        #expect(Spectrum<Double>(eigenvalues: [Complex(0.5, 0)]).verdict(.discrete) == .stable)
        #expect(Spectrum<Double>(eigenvalues: [Complex(-1.2, 0)]).verdict(.discrete) == .unstable)
    }

    @Test("a random anti-symmetric 200×200 matrix is purely imaginary and marginal")
    func antiSymmetric() throws {
        var g = UInt64(12345)
        func next() -> Double {  // LCG (Knuth MMIX constants) mapped to [-1, 1)
            g = g &* 6364136223846793005 &+ 1442695040888963407
            return Double(g >> 11) / Double(1 << 53) * 2 - 1
        }
        let n = 200
        var a = Matrix<Double>(rows: n, columns: n)
        for i in 0..<n { for j in (i + 1)..<n { let v = next(); a[i, j] = v; a[j, i] = -v } }
        let s = try Spectrum(of: a)
        #expect(s.isPurelyImaginary)
        #expect(s.verdict(.continuous) == .marginal)
        // Perturbing by +1e-3·I moves every real part to 1e-3: no longer marginal.
        let shifted = try Spectrum(of: a + 1e-3 * Matrix.identity(n))
        #expect(!shifted.isPurelyImaginary && shifted.verdict(.continuous) == .unstable)
    }

    @Test("the report carries the spectrum and sorted eigenvalue pairs")
    func report() throws {
        let r = SpectrumReport(try Spectrum(of: Matrix<Double>([[-2, 0], [0, 1]])), time: .continuous)
        #expect(r.eigenvalues == [[1, 0], [-2, 0]])
        #expect(r.spectralAbscissa == 1 && r.spectralRadius == 2 && r.verdict == .unstable && r.dimension == 2)
    }
}
