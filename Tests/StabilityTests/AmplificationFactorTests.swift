import ComplexModule
import Integrators
import LinearAlgebra
import Testing
@testable import Stability

@Suite("Amplification factors and stability regions")
struct AmplificationFactorTests {
    /// y' = λy in real form: λ = a + ib acts on (Re y, Im y) as [[a, −b], [b, a]].
    static func linear(_ lambda: Complex<Double>) -> BuiltinSystem<Double> {
        let m = Matrix<Double>([[lambda.real, -lambda.imaginary], [lambda.imaginary, lambda.real]])
        return BuiltinSystem.linear(m)
    }

    @Test("|R(hλ)| equals the spectral radius of the step's Jacobian on y' = λy",
          arguments: [MethodName.euler, .rk2, .rk4, .midpoint])
    func matchesStepJacobian(method: MethodName) throws {
        for lambda in [Complex(-0.3, 0.8), Complex(0, 1.5), Complex(0.2, -0.4)] {
            let h = 0.5
            let jacobian = try Self.linear(lambda).run(method, StepJacobian(at: [1, 0], stepSize: h))
            let radius = try Spectrum(of: jacobian).spectralRadius
            let r = AmplificationFactor.modulus(method, at: Complex(h) * lambda)
            #expect(abs(radius - r) < 1e-7 * max(1, r), "\(method) at λ = \(lambda): \(radius) vs \(r)")
        }
    }

    @Test("closed forms: Euler's disc, RK4 on the imaginary axis, leapfrog's interval [−2i, 2i]")
    func closedForms() {
        #expect(AmplificationFactor.modulus(.euler, at: Complex(-1, 0)) == 0)
        #expect(abs(AmplificationFactor.modulus(.euler, at: Complex(0, 1)) - 2.0.squareRoot()) < 1e-15)
        // RK4 on z = iy: |R|² = 1 − y⁶/72 + y⁸/576, below 1 until y = √8 (Hairer & Wanner II, §IV.2).
        #expect(AmplificationFactor.modulus(.rk4, at: Complex(0, 2.8)) < 1)
        #expect(AmplificationFactor.modulus(.rk4, at: Complex(0, 2.9)) > 1)
        for method in [MethodName.leapfrog, .verlet] {
            #expect(abs(AmplificationFactor.modulus(method, at: Complex(0, 1.9)) - 1) < 1e-12)
            #expect(AmplificationFactor.modulus(method, at: Complex(0, 2.1)) > 1.3)
        }
    }

    @Test("the two-step midpoint rule's region is the segment [−i, i] of the imaginary axis")
    func midpointRegion() {
        let r = AmplificationFactor.region(.midpoint, real: -1...1, imaginary: -2...2, grid: 41)
        for (k, y) in r.im.enumerated() {
            for (j, x) in r.re.enumerated() {
                let stable = r.modulus[k][j] <= 1 + 1e-12
                #expect(stable == (x == 0 && abs(y) <= 1), "z = \(x) + \(y)i: |R| = \(r.modulus[k][j])")
            }
        }
    }
}
