import Foundation
import LinearAlgebra
import Testing

/// `--system FILE.toml` and `--param` from the command line.
@Suite struct SystemFileCommandTests {
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/systems/\(name).toml").path
    }

    @Test("a system file integrates like the built-in, takes --param, and its spectrum is exact")
    func fileSystems() throws {
        let file = try CLIRunner.run(["integrate", "--system", Self.example("lorenz"), "--method", "rk4", "--steps", "500", "--json"])
        let builtin = try CLIRunner.run(["integrate", "--system", "lorenz", "--method", "rk4", "--steps", "500", "--json"])
        #expect(file.status == 0, "\(file.stderr)")
        #expect(file.json?["final"] as? [Double] == builtin.json?["final"] as? [Double])
        let ring = try CLIRunner.run(["integrate", "--system", Self.example("lorenz96"), "--param", "N=12", "--method", "rk4", "--steps", "10", "--json"])
        #expect((ring.json?["final"] as? [Double])?.count == 12, "\(ring.stderr)")
        let bad = try CLIRunner.run(["integrate", "--system", Self.example("lorenz"), "--param", "rh0=3", "--method", "rk4"])
        #expect(bad.status != 0 && bad.stderr.contains("no parameter 'rh0'; its parameters are beta, rho, sigma"))
        let energy = try CLIRunner.run(["integrate", "--system", Self.example("henon-heiles"), "--method", "leapfrog", "--steps", "2000", "--json"])
        #expect(((energy.json?["energyError"] as? Double) ?? 1) < 1e-4, "\(energy.stderr)")
        let spectrum = try CLIRunner.run(["lyapunov", "--system", Self.example("henon"), "--steps", "20000", "--json"])
        let exponents = try #require(spectrum.json?["exponents"] as? [Double])
        #expect(abs(exponents.reduce(0, +) - log(0.3)) < 1e-9)
    }

    @Test("stability --jacobian writes the exact Jacobian of a system file")
    func jacobianFile() throws {
        let path = CLIRunner.temporaryPath("lorenz-jacobian.npy")
        let r = try CLIRunner.run(["stability", "--system", Self.example("lorenz"), "--at", "1.5,-2,20", "--jacobian", path])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try NumPyArray(contentsOf: path)
        let expected: [Double] = [-10, 10, 0, 28 - 20, -1, -1.5, -2, 1.5, -8.0 / 3]  // row-major
        #expect(j.shape == [3, 3] && zip(j.values, expected).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }, "\(j.values)")
    }

    @Test("a large family: the leading exponents only, and stability refused before allocating")
    func largeFamilies() throws {
        let some = try CLIRunner.run(["lyapunov", "--system", Self.example("lorenz96"), "--param", "N=200", "--exponents", "3",
                                      "--steps", "100", "--transient", "10", "--json"])
        #expect((some.json?["exponents"] as? [Double])?.count == 3, "\(some.stderr)")
        let big = try CLIRunner.run(["stability", "--system", Self.example("lorenz96"), "--param", "N=5000"])
        #expect(big.status != 0 && big.stderr.contains("at most 4096 coordinates"), "\(big.stderr)")
        let all = try CLIRunner.run(["lyapunov", "--system", Self.example("lorenz96"), "--param", "N=20000", "--steps", "1"])
        #expect(all.status != 0 && all.stderr.contains("ask for fewer exponents"), "\(all.stderr)")
    }

    @Test("a mistake in a system file names the line and column with a caret; a NaN is traced")
    func errors() throws {
        let path = CLIRunner.temporaryPath("typo.toml")
        try "kind = \"ode\"\nvariables = [\"x\"]\ninitial = [1]\n[equations]\nx = \"-1 + 1e-3 * logg(x)\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let typo = try CLIRunner.run(["integrate", "--system", path, "--method", "euler"])
        #expect(typo.status != 0 && typo.stderr.contains("typo.toml:5:18: in equations.x: unknown function 'logg'; did you mean 'log'?"), "\(typo.stderr)")
        #expect(typo.stderr.contains("\n                     ^^^^^^^"), "\(typo.stderr)")
        try "kind = \"ode\"\nvariables = [\"x\"]\ninitial = [1]\n[equations]\nx = \"-1 + 1e-3 * log(x)\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let nan = try CLIRunner.run(["integrate", "--system", path, "--method", "euler", "--dt", "0.1", "--steps", "30"])
        #expect(nan.status != 0 && nan.stderr.contains("after step 10") && nan.stderr.contains("typo.toml:5:18: in equations.x: this is not finite"), "\(nan.stderr)")
    }
}
