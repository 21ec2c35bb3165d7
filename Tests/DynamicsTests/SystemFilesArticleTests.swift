import Dynamics
import Foundation
import Testing

/// The example of the Integrators article "System files", with the examples' paths made
/// absolute: if this stops compiling, the article is wrong.
@Suite("System files article example")
struct SystemFilesArticleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/systems").path

    @Test func example() throws {
        let ring = try BuiltinSystem<Double>.named("\(Self.examples)/lorenz96.toml", parameters: ["N": 60])
        let path = try ring.run(.rk4, Integration(initialPoint: ring.initialPoint, stepSize: 0.01, steps: 1000))
        #expect(path.final.count == 60)

        let lorenz = try BuiltinSystem<Double>.named("\(Self.examples)/lorenz.toml")
        let exponents = try lorenz.lyapunovSpectrum(.rk4, LyapunovSettings(initialPoint: [1, 1, 1], stepSize: 0.01, steps: 2000))
        #expect(exponents.exponents.count == 3)

        let system = try DefinedSystem<Double>(file: "\(Self.examples)/henon-heiles.toml")
        guard case .secondOrder(let field) = system.form else { Issue.record("Hénon–Heiles is second order"); return }
        var a = [0.0, 0.0]
        field.acceleration([0.3, -0.2], time: 0, into: &a)
        #expect(abs(a[0] - (-0.3 - 2 * 0.3 * -0.2)) < 1e-15)
        #expect(system.jacobian(at: [0.3, -0.2, 0.1, 0.4]).rows == 4)
    }
}
