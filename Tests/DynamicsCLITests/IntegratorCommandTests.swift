import Foundation
import LinearAlgebra
import Testing

@Suite("dynamics integrate, reverse and convergence, end to end")
struct IntegratorCommandTests {
    @Test("integrate Kepler: Verlet's energy error is small and bounded, Euler's is not")
    func integrateKepler() throws {
        func energyError(_ method: String, _ steps: Int) throws -> Double {
            let r = try CLIRunner.run(["integrate", "--system", "kepler", "--method", method, "--dt", "0.01",
                                       "--steps", "\(steps)", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try #require(r.json)
            #expect((json["final"] as? [Double])?.count == 4 && json["seconds"] is Double)
            return try #require(json["energyError"] as? Double)
        }
        let short = try energyError("verlet", 10_000), long = try energyError("verlet", 100_000)
        #expect(short < 1e-3 && long < 2 * short)
        #expect(try energyError("euler", 10_000) > 100 * short)
    }

    @Test("integrate writes the trajectory as .npy (N/every + 1 rows, a time column first) and .csv with a header row")
    func trajectory() throws {
        let npy = CLIRunner.temporaryPath("lorenz.npy"), csv = CLIRunner.temporaryPath("henon.csv")
        let r = try CLIRunner.run(["integrate", "--system", "lorenz", "--method", "rk4", "--steps", "100", "--every", "10", "--out", npy])
        #expect(r.status == 0)
        let array = try NumPyArray(contentsOf: npy)
        #expect(array.shape == [11, 4] && Array(array.values.prefix(4)) == [0, 1, 1, 1])
        #expect(abs(array.values[4 * 10] - 1.0) < 1e-12)  // row 10: t = 10·10·0.01
        let h = try CLIRunner.run(["integrate", "--system", "henon", "--steps", "5", "--out", csv])
        #expect(h.status == 0)
        #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("# t,x,y\n"))
        let m = try MatrixFile.read(csv, as: Double.self)  // the header comment is skipped
        // Hénon from (0, 0): (1, 0), then (1 − 1.4 + 0, 0.3) = (−0.4, 0.3); its time is the iterate.
        #expect(m.rows == 6 && m[2, 0] == 2 && m[1, 1] == 1 && abs(m[2, 1] + 0.4) < 1e-15 && abs(m[2, 2] - 0.3) < 1e-15)
    }

    @Test("reverse reports exact inverses and honest errors")
    func reverse() throws {
        let v = try CLIRunner.run(["reverse", "--system", "harmonic", "--method", "verlet", "--steps", "1000", "--precision", "float", "--json"])
        let json = try #require(v.json)
        #expect(json["exactInverse"] as? Bool == true)
        #expect((json["reconstructionError"] as? Double ?? 1) < 1e-3)
        #expect((json["errors"] as? [[Double]])?.map { $0[0] } == [1, 10, 100, 1000])
        let e = try CLIRunner.run(["reverse", "--system", "lorenz", "--method", "euler", "--steps", "10", "--json"])
        #expect(e.json?["exactInverse"] as? Bool == false)
    }

    @Test("convergence reports the order")
    func convergence() throws {
        let r = try CLIRunner.run(["convergence", "--system", "harmonic", "--method", "rk2", "--json"])
        let order = try #require(r.json?["order"] as? Double)
        #expect(abs(order - 2) < 0.1)
        #expect(r.json?["expectedOrder"] as? Int == 2 && r.json?["symplectic"] as? Bool == false)
    }

    @Test("convergence: the staggered Verlet scheme reports classical order 1 and observes it")
    func staggeredOrder() throws {
        let r = try CLIRunner.run(["convergence", "--system", "harmonic", "--method", "verlet", "--verlet-scheme", "staggered"])
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").last)
        #expect(line.hasPrefix("observed order 1.0") || line.hasPrefix("observed order 0.9"), "\(line)")
        #expect(line.hasSuffix("(classical order 1)"), "\(line)")
    }

    @Test("misuse is one clear line and a non-zero exit", arguments: [
        (["integrate", "--system", "lorenz", "--method", "leapfrog"], "leapfrog needs a second-order system"),
        (["integrate", "--system", "lorenz", "--method", "verlet"], "verlet needs a separable Hamiltonian system"),
        (["integrate", "--system", "venus", "--method", "rk4"], "unknown system 'venus'"),
        (["integrate", "--system", "lorenz"], "--method is required"),
        (["integrate", "--system", "henon", "--method", "rk4"], "henon is a discrete map"),
        (["integrate", "--system", "lorenz", "--method", "rk4", "--initial", "1,2"], "lorenz needs 3"),
        (["integrate", "--system", "lorenz", "--method", "rk4", "--initial", "1,x,2"], "numbers separated by commas"),
        (["integrate", "--system", "linear:/nonexistent.npy", "--method", "rk4"], "/nonexistent.npy: no such file"),
        (["integrate", "--system", "lorenz", "--method", "euler", "--dt", "1", "--steps", "2000"], "left the finite numbers"),
        (["reverse", "--system", "lorenz", "--method", "map"], "map iterates a discrete map"),
    ])
    func misuse(arguments: [String], expected: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr was: \(r.stderr)")
    }

    @Test("bad numeric flags are refused", arguments: [["--dt", "0"], ["--dt", "nan"], ["--steps", "0"], ["--method", "rk5"]])
    func badFlags(flags: [String]) throws {
        let r = try CLIRunner.run(["integrate", "--system", "harmonic", "--method", "rk4"] + flags)
        #expect(r.status != 0 && r.stderr.contains(flags[0]), "stderr was: \(r.stderr)")
    }
}
