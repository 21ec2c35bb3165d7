import Foundation
import Testing

@Suite("dynamics eig --block, reverse --arch, gradcheck and bench, end to end")
struct NetworkCommandTests {
    @Test("block spectra: Hamiltonian, midpoint and leapfrog are purely imaginary; ResNet is not",
          arguments: [("hamiltonian", true), ("midpoint", true), ("leapfrog", true), ("resnet", false)])
    func blockSpectra(block: String, imaginary: Bool) throws {
        let r = try CLIRunner.run(["eig", "--block", block, "--channels", "4", "--size", "4x4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let field = try #require(r.json?["field"] as? [String: Any])
        // Purely imaginary: the abscissa is 0 to the tolerance, so the verdict is marginal.
        #expect((field["verdict"] as? String == "marginal") == imaginary, "\(field)")
        let eigenvalues = try #require(field["eigenvalues"] as? [String: Any])
        #expect((eigenvalues["byRealPart"] as? [[Double]])?.count == 10 && eigenvalues["solver"] as? String == "dense")
        #expect(r.json?["step"] is [String: Any])
    }

    /// At 32 channels on 6×6 (1,152 dimensions, above the dense limit) `auto` takes the
    /// Arnoldi method; `--eigensolver dense` on the same block gives the same leading
    /// eigenvalues by modulus to 1e-8 relative (ResNet: both ends are well separated).
    @Test("eig --block --top: Arnoldi above the dense limit agrees with dgeev")
    func arnoldiBlock() throws {
        func run(_ solver: String) throws -> [String: Any] {
            let r = try CLIRunner.run(["eig", "--block", "resnet", "--channels", "32", "--size", "6x6", "--top", "4", "--which", "LM",
                                       "--eigensolver", solver, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require((r.json?["field"] as? [String: Any])?["eigenvalues"] as? [String: Any])
        }
        let (arnoldi, dense) = (try run("auto"), try run("dense"))
        #expect(arnoldi["solver"] as? String == "arnoldi" && dense["solver"] as? String == "dense")
        let a = try #require(arnoldi["byModulus"] as? [[Double]]), d = try #require(dense["byModulus"] as? [[Double]])
        let scale = (d[0][0] * d[0][0] + d[0][1] * d[0][1]).squareRoot()
        #expect(a.count == 4 && zip(a, d).allSatisfy { abs($0[0] - $1[0]) <= 1e-8 * scale && abs(abs($0[1]) - abs($1[1])) <= 1e-8 * scale },
                "\(a) vs \(d)")
        #expect(arnoldi["byRealPart"] == nil)
    }

    /// A small tanh Hamiltonian network trained for two epochs: every unit is reported, with
    /// its field imaginary to 1e-8 at the trained weights (the issue's check) and its Verlet
    /// step on the unit circle wherever hλ stays inside [−2i, 2i].
    @Test("eig --checkpoint and lyapunov --checkpoint: every unit and segment of a trained network, at real feature maps")
    func checkpoint() throws {
        let folder = CLIRunner.temporaryPath("eig-ckpt-\(UInt32.random(in: 0...UInt32.max))")
        let t = try CLIRunner.run(["train", "--data", "synthetic:circles", "--arch", "hamiltonian", "--units", "1,1,1", "--filters", "4,4,8,8",
                                   "--activation", "tanh", "--epochs", "2", "--batch-size", "50", "--lr", "0.05", "--subsample", "0.2",
                                   "--checkpoint", folder, "--threads", "1", "--json"])
        #expect(t.status == 0, "\(t.stderr)")
        let r = try CLIRunner.run(["eig", "--checkpoint", folder, "--images", "2", "--top", "4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let units = try #require(r.json?["units"] as? [[String: Any]])
        #expect(units.count == 3 && r.json?["activation"] as? String == "tanh")
        for u in units {
            let images = try #require(u["images"] as? [[String: Any]])
            #expect(images.count == 2)
            for i in images {
                let field = try #require((i["field"] as? [String: Any]))
                let byModulus = try #require(field["byModulus"] as? [[Double]]), byRealPart = try #require(field["byRealPart"] as? [[Double]])
                let rho = (byModulus[0][0] * byModulus[0][0] + byModulus[0][1] * byModulus[0][1]).squareRoot()
                #expect(abs(byRealPart[0][0]) <= 1e-8 * rho, "\(u["unit"] ?? "?"): \(byRealPart[0])")
                #expect(i["region"] is [String: Any])
            }
            #expect((u["abscissa"] as? [String: Any])?["worst"] is Double)
        }
        let text = try CLIRunner.run(["eig", "--checkpoint", folder, "--images", "1", "--units", "0,2", "--top", "3"])
        #expect(text.status == 0 && text.stdout.contains("verlet") && text.stdout.split(separator: "\n").count == 4, "\(text.stdout)")
        let bad = try CLIRunner.run(["eig", "--checkpoint", folder, "--units", "9"])
        #expect(bad.status != 0 && bad.stderr.contains("unit 9 does not exist"), "\(bad.stderr)")
        // The same checkpoint through lyapunov: finite-depth exponents per segment, float reconstruction.
        let l = try CLIRunner.run(["lyapunov", "--checkpoint", folder, "--images", "1", "--exponents", "2", "--json"])
        #expect(l.status == 0, "\(l.stderr)")
        let segments = try #require(l.json?["segments"] as? [[String: Any]])
        #expect((l.json?["network"] as? [[Double]])?.count == 1 && l.json?["networkGrowth"] is [String: Any])
        #expect(segments.count == 2 && segments.allSatisfy { ($0["exponents"] as? [Double])?.count == 2 && ($0["reconstructionError"] as? Double ?? 1) < 1e-5 },
                "\(segments)")
        let misuse = try CLIRunner.run(["lyapunov", "--checkpoint", folder, "--steps", "10"])
        #expect(misuse.status != 0 && misuse.stderr.contains("--steps does not apply to --checkpoint"), "\(misuse.stderr)")
        for flag in [["--precision", "float"], ["--renormalize-every", "5"]] {
            let ignored = try CLIRunner.run(["lyapunov", "--checkpoint", folder] + flag)
            #expect(ignored.status != 0 && ignored.stderr.contains("\(flag[0]) does not apply to --checkpoint"), "\(ignored.stderr)")
        }
    }

    @Test("reverse --arch: Hamiltonian and leapfrog blocks at depth 1000 in double below 1e-8")
    func reverseBlocks() throws {
        for arch in ["hamiltonian", "leapfrog"] {
            let r = try CLIRunner.run(["reverse", "--arch", arch, "--depth", "1000", "--channels", "2", "--size", "4x4", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect((r.json?["reconstructionError"] as? Double ?? 1) < 1e-8)
        }
        // ResNet blocks have no exact inverse: like a system's non-reversible method, they step
        // back with −h and say so.
        let resnet = try CLIRunner.run(["reverse", "--arch", "resnet", "--depth", "3", "--json"])
        #expect(resnet.status == 0, "\(resnet.stderr)")
        #expect(resnet.json?["exactInverse"] as? Bool == false)
    }

    @Test("lyapunov --arch: the spectrum of staggered-Verlet blocks sums to 0 (each step preserves volume)")
    func blockLyapunovSpectrum() throws {
        let r = try CLIRunner.run(["lyapunov", "--arch", "hamiltonian", "--depth", "20", "--shared-weights", "--channels", "2", "--size", "4x4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let exponents = try #require(r.json?["exponents"] as? [Double])
        #expect(exponents.count == 2 * 4 * 4 && exponents.allSatisfy(\.isFinite))
        // Σλ = (1/T) Σ ln|det DΦ|, and the step (two shears) has det 1: the sum is rounding and
        // the central differences' error (about ε^{2/3} ≈ 4e-11 per step, over T = 2).
        let sum = try #require(r.json?["sum"] as? Double)
        #expect(abs(sum) < 1e-6, "sum \(sum)")
        let largest = try CLIRunner.run(["lyapunov", "--arch", "resnet", "--depth", "10", "--largest-only", "--json"])
        #expect(largest.status == 0, "\(largest.stderr)")
        #expect((largest.json?["exponents"] as? [Double])?.count == 1 && largest.json?["sum"] == nil)
    }

    @Test("gradcheck: reversible matches stored and finite differences match backprop")
    func gradcheck() throws {
        let r = try CLIRunner.run(["gradcheck", "--arch", "hamiltonian", "--depth", "3", "--samples", "10", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect((r.json?["reversibleVsStored"] as? Double ?? 1) < 1e-4)
        #expect((r.json?["finiteDifference"] as? Double ?? 1) < 1e-5)
    }

    @Test("bench reports throughput, FLOP rates and memory")
    func bench() throws {
        let r = try CLIRunner.run(["bench", "--preset", "hamiltonian-74", "--units", "1,1,1", "--batch", "2", "--size", "8", "--steps", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        for key in ["imagesPerSecond", "gflops", "sgemmGflops", "fmaPeakGflops", "peakResidentMB"] { #expect((r.json?[key] as? Double ?? 0) > 0, "\(key)") }
        #expect((r.json?["blasCore"] as? String)?.isEmpty == false)
    }

    @Test("misuse is refused", arguments: [
        (["eig", "--block", "hamiltonian", "--channels", "3"], "must be even"),
        (["eig", "--block", "unknown"], "invalid for '--block"),
        (["eig", "--block", "resnet", "--images", "3"], "--images applies to --checkpoint only"),
        (["eig", "--block", "resnet", "--top", "0"], "--top must be from 1 to 10000"),
        (["eig", "--block", "resnet", "--which", "SM"], "invalid for '--which"),
        (["bench", "--preset", "resnet-32", "--backprop", "reversible"], "--backprop: resnet blocks have no exact inverse step"),
        (["bench", "--preset", "hamiltonian-75"], "unknown preset"),
        (["gradcheck", "--arch", "hamiltonian", "--depth", "2"], "at least 3"),
    ])
    func misuse(arguments: [String], expected: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status != 0 && r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }
}
