import Foundation
import LinearAlgebra
import Testing

@Suite("dynamics stability, lyapunov and region, end to end")
struct StabilityCommandTests {
    @Test("stability: field and step spectra at a point")
    func stability() throws {
        // Harmonic oscillator: field eigenvalues ±i (marginal); one Verlet step is a rotation-like
        // map with |μ| = 1 for h < 2 (marginal in discrete time).
        let r = try CLIRunner.run(["stability", "--system", "harmonic", "--at", "-0.5,0.2", "--method", "verlet", "--dt", "0.1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let field = try #require(json["field"] as? [String: Any]), step = try #require(json["step"] as? [String: Any])
        #expect(field["purelyImaginary"] as? Bool == true && field["verdict"] as? String == "marginal")
        #expect(abs((step["spectralRadius"] as? Double ?? 0) - 1) < 1e-8)
        for key in ["eigenvalues", "spectralAbscissa", "spectralRadius", "verdict"] { #expect(step[key] != nil) }
        let henon = try CLIRunner.run(["stability", "--system", "henon", "--json"])
        #expect((henon.json?["field"] as? [String: Any])?["time"] as? String == "discrete")
    }

    @Test("lyapunov: exponents, sum, Kaplan–Yorke dimension and history")
    func lyapunov() throws {
        let r = try CLIRunner.run(["lyapunov", "--system", "henon", "--steps", "20000", "--history", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let exponents = try #require(json["exponents"] as? [Double])
        #expect(exponents.count == 2 && exponents[0] > exponents[1])
        #expect(abs((json["sum"] as? Double ?? 0) - log(0.3)) < 1e-9)
        #expect(json["kaplanYorkeDimension"] is Double)
        #expect(((json["history"] as? [[Double]])?.count ?? 0) >= 100)
        let largest = try CLIRunner.run(["lyapunov", "--system", "lorenz", "--steps", "2000", "--largest-only", "--json"])
        #expect((largest.json?["exponents"] as? [Double])?.count == 1)
    }

    /// The forced Duffing oscillator depends on time; its exponents sum to the divergence −δ
    /// = −0.3 (up to RK4's O(h⁴)), its autonomous form adds a zero for the phase.
    @Test("lyapunov --system duffing and duffing-autonomous: chaotic, summing to −δ, the autonomous form with a zero exponent")
    func duffing() throws {
        let forced = try CLIRunner.run(["lyapunov", "--system", "duffing", "--steps", "50000", "--renormalize-every", "10", "--json"])
        let autonomous = try CLIRunner.run(["lyapunov", "--system", "duffing-autonomous", "--steps", "50000", "--renormalize-every", "10", "--json"])
        let a = try #require(forced.json?["exponents"] as? [Double]), b = try #require(autonomous.json?["exponents"] as? [Double])
        #expect(a.count == 2 && a[0] > 0.05 && abs(a.reduce(0, +) + 0.3) < 1e-6, "\(a)")
        #expect(b.count == 3 && b[0] > 0.05 && abs(b[1]) < 1e-6 && abs(b.reduce(0, +) + 0.3) < 1e-6, "\(b)")
    }

    @Test("region: JSON grid and .npy output")
    func region() throws {
        let path = CLIRunner.temporaryPath("region.npy")
        let r = try CLIRunner.run(["region", "--method", "euler", "--re", "-2:0", "--im", "-1:1", "--grid", "3", "--out", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        // Centre of the grid is z = −1, where Euler's R = 1 + z vanishes.
        let modulus = try #require(r.json?["modulus"] as? [[Double]])
        #expect(modulus[1][1] == 0)
        // One row per point, (re, im, |R|), Re z fastest: row 4 is the centre.
        let rows = try NumPyArray(contentsOf: path)
        #expect(rows.shape == [9, 3] && Array(rows.values[12..<15]) == [-1, 0, 0])
    }

    @Test("bad input is refused with a clear message", arguments: [
        (["stability", "--system", "lorenz", "--at", "1,2"], "--at has 2 values; lorenz needs 3"),
        (["stability", "--system", "lorenz", "--at", "1,nan,2"], "non-finite"),
        (["lyapunov", "--system", "lorenz", "--steps", "0"], "--steps must be from 1 to"),
        (["lyapunov", "--system", "lorenz", "--method", "leapfrog"], "leapfrog needs a second-order system"),
        (["region", "--method", "rk4", "--re", "1:-1"], "--re must be a:b"),
        (["region", "--method", "map"], "no amplification factor"),
    ])
    func badInput(arguments: [String], expected: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }
}
