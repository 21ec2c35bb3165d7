import Foundation
import Testing
@testable import Integrators
@testable import Stability
import LinearAlgebra

/// Exact Jacobians of system files (forward-mode differentiation) against hand-derived ones
/// to 1e-12, and exact step Jacobians and Lyapunov spectra against finite differences.
@Suite struct SystemFileJacobianTests {
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/systems/\(name).toml").path
    }

    @Test func lorenzJacobianIsExact() throws {
        let system = try BuiltinSystem<Double>.named(Self.example("lorenz"))
        let x = [1.3, -2.1, 17.2]
        let j = system.jacobian(at: x)
        let expected = Matrix<Double>([[-10, 10, 0], [28 - x[2], -1, -x[0]], [x[1], x[0], -8.0 / 3]])
        #expect(zip(j.elements, expected.elements).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
    }

    /// Hénon–Heiles's (q, p) Jacobian [[0, I], [∂F/∂q, 0]] (second derivatives of H, by
    /// forward over reverse mode), and the double pendulum's against differences.
    @Test func hamiltonianJacobians() throws {
        let hh = try BuiltinSystem<Double>.named(Self.example("henon-heiles"))
        let (x, y) = (0.3, -0.2)
        let j = hh.jacobian(at: [x, y, 0.1, 0.4])
        let expected = Matrix<Double>([[0, 0, 1, 0], [0, 0, 0, 1], [-1 - 2 * y, -2 * x, 0, 0], [-2 * x, -1 + 2 * y, 0, 0]])
        #expect(zip(j.elements, expected.elements).allSatisfy { abs($0 - $1) <= 1e-12 })
        let dp = try BuiltinSystem<Double>.named(Self.example("double-pendulum"))
        let point = [0.7, -0.4, 0.3, -0.8]
        let exact = dp.jacobian(at: point), differences = dp.finiteDifferenceJacobian(at: point)
        #expect(zip(exact.elements, differences.elements).allSatisfy { abs($0 - $1) < 1e-7 * max(1, abs($1)) })
    }

    /// The exact step Jacobian (the step of the variational system) equals the differenced one
    /// for one-step, two-step and partitioned methods, pair states included.
    @Test(arguments: [("lorenz", MethodName.rk4), ("lorenz", .midpoint), ("henon-heiles", .verlet), ("henon-heiles", .leapfrog),
                      ("henon-heiles", .rk2), ("henon", .map), ("duffing", .euler)])
    func stepJacobianIsExact(file: String, method: MethodName) throws {
        let system = try BuiltinSystem<Double>.named(Self.example(file))
        let point = system.initialPoint.enumerated().map { $1 + 0.1 * Double($0 + 1) }
        let exact = try system.stepJacobian(method, at: point, stepSize: 0.05)
        let differences = try system.run(method, StepJacobian(at: point, stepSize: 0.05))
        #expect(exact.rows == differences.rows && exact.columns == differences.columns)
        #expect(zip(exact.elements, differences.elements).allSatisfy { abs($0 - $1) < 1e-8 * max(1, abs($1)) })
    }

    /// Lyapunov spectra with exact tangents: Lorenz from the file agrees with the built-in's
    /// differences (to 1e-6: the two differ by the differences' ε^{2/3} per step) and sums to
    /// −(σ + 1 + β) up to RK4's error; the forced Duffing file (time-dependent) sums to −δ; Hénon to ln b.
    @Test func exactSpectra() throws {
        let file = try BuiltinSystem<Double>.named(Self.example("lorenz")), builtin = try BuiltinSystem<Double>.named("lorenz")
        let settings = LyapunovSettings<Double>(initialPoint: [1, 1, 1], stepSize: 0.01, steps: 3000, transient: 200)
        let exact = try file.lyapunovSpectrum(.rk4, settings), differences = try builtin.lyapunovSpectrum(.rk4, settings)
        #expect(zip(exact.exponents, differences.exponents).allSatisfy { abs($0 - $1) < 1e-6 })
        // RK4's step has log det = −(σ + 1 + β)h + O(h⁵) per step, not exactly the divergence.
        #expect(abs(exact.sum + 10 + 1 + 8.0 / 3) < 1e-3)
        let duffing = try BuiltinSystem<Double>.named(Self.example("duffing"))
        let d = try duffing.lyapunovSpectrum(.rk4, LyapunovSettings(initialPoint: [1, 0], stepSize: 0.01, steps: 3000))
        #expect(abs(d.sum + 0.3) < 1e-8)
        let henon = try BuiltinSystem<Double>.named(Self.example("henon"))
        let h = try henon.lyapunovSpectrum(.map, LyapunovSettings(initialPoint: [0, 0], stepSize: 1, steps: 5000, transient: 100, timePerStep: 1))
        #expect(abs(h.sum - log(0.3)) < 1e-10 && abs(h.exponents[0] - 0.42) < 0.02)
        let f = try BuiltinSystem<Float>.named(Self.example("lorenz"))
        let single = try f.lyapunovSpectrum(.rk4, LyapunovSettings(initialPoint: [1, 1, 1], stepSize: 0.01, steps: 3000, transient: 200))
        #expect(abs(single.sum + 13.6667) < 1e-3)
    }
}
