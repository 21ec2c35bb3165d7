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
        #expect(field["purelyImaginary"] as? Bool == imaginary)
        #expect(r.json?["step"] is [String: Any])
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
        for key in ["imagesPerSecond", "gflops", "sgemmGflops", "peakResidentMB"] { #expect((r.json?[key] as? Double ?? 0) > 0, "\(key)") }
    }

    @Test("misuse is refused", arguments: [
        (["eig", "--block", "hamiltonian", "--channels", "3"], "must be even"),
        (["eig", "--block", "unknown"], "invalid for '--block"),
        (["bench", "--preset", "resnet-32", "--backprop", "reversible"], "--backprop: resnet blocks have no exact inverse step"),
        (["bench", "--preset", "hamiltonian-75"], "unknown preset"),
        (["gradcheck", "--arch", "hamiltonian", "--depth", "2"], "at least 3"),
    ])
    func misuse(arguments: [String], expected: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status != 0 && r.stderr.contains(expected), "stderr was: \(r.stderr)")
    }
}
