import Foundation
import LinearAlgebra
import Testing
@testable import DynamicsCLI

/// The kernel selection end to end: the user's OPENBLAS_CORETYPE is kept; a simulated
/// fallback (OpenBLAS on an old kernel, as on a CPU it does not know) is replaced by the best
/// kernel this CPU allows, which then computes eigenvalues right; a kernel the CPU cannot run
/// fails its check in the child process instead of killing the command.
@Suite("BLAS kernel selection, end to end")
struct BLASKernelTests {
    @Test("OPENBLAS_CORETYPE set by the user is never overridden")
    func userSettingKept() throws {
        let r = try CLIRunner.run(["info", "--json"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json?["blasCore"] as? String == "Prescott")
        #expect((r.json?["blasCoreReason"] as? String)?.contains("OPENBLAS_CORETYPE=Prescott") == true)
    }

    @Test("a fallback to Prescott is replaced by the best kernel the CPU allows, and eigenvalues stay right")
    func fallbackReplaced() throws {
        let best = try #require(BLASKernelSelection.best(for: .current))
        // A fresh verdict cache: the first run checks the kernel in a child, the second reads the verdict.
        let cache = CLIRunner.temporaryPath("kernel-cache")
        try? FileManager.default.removeItem(atPath: cache)
        let environment = ["DYNAMICS_BLAS_SIMULATE_FALLBACK": "Prescott", "XDG_CACHE_HOME": cache]
        let r = try CLIRunner.run(["info", "--json"], environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        let reason = try #require(r.json?["blasCoreReason"] as? String)
        if best == "Prescott" {
            #expect(r.json?["blasCore"] as? String == "Prescott")
        } else {
            #expect(r.json?["blasCore"] as? String == best, "\(reason)")
            #expect(reason.contains("in place of Prescott") && reason.contains("passed"), "\(reason)")
            #expect(FileManager.default.fileExists(atPath: cache + "/dynamics/blas-kernels"))
        }
        // A rotation generator's spectrum ±2i, ±3i under the chosen kernel.
        let path = CLIRunner.temporaryPath("kernel-eig.csv")
        try "0,2,0,0\n-2,0,0,0\n0,0,0,3\n0,0,-3,0\n".write(toFile: path, atomically: true, encoding: .utf8)
        let eig = try CLIRunner.run(["eig", path, "--json"], environment: environment)
        #expect(eig.status == 0, "\(eig.stderr)")
        let values = try #require(eig.json?["eigenvalues"] as? [[Double]])
        let imaginary = values.map { abs($0[1]) }.sorted()
        #expect(imaginary.count == 4 && zip(imaginary, [2, 2, 3, 3]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(values)")
    }

    @Test("the verdict cache: nothing before a check, then the last verdict per kernel, other kernels apart")
    func verdictCache() throws {
        let path = CLIRunner.temporaryPath("verdicts-\(UUID().uuidString)")
        let skylake = BLASKernelChoice.VerdictCache(core: "SkylakeX", path: path), haswell = BLASKernelChoice.VerdictCache(core: "Haswell", path: path)
        #expect(skylake.verdict == nil)
        skylake.record("killed by signal 4, an illegal instruction")
        haswell.record("passed")
        #expect(skylake.verdict == "killed by signal 4, an illegal instruction" && haswell.verdict == "passed")
        skylake.record("passed")
        #expect(skylake.verdict == "passed" && skylake.lines.count == 2)
    }

    @Test("a kernel the CPU cannot run fails its check in a child process (SkylakeX without AVX-512)")
    func unsupportedKernelFails() {
        let outcome = BLASKernelChoice.check("SkylakeX", executable: CLIRunner.executable)
        if CPUFeatures.current.contains(.avx512) {
            #expect(throws: Never.self) { try outcome.get() }
        } else {
            #expect(throws: BLASKernelChoice.ProbeFailure.self) { try outcome.get() }
            if case .failure(let f) = outcome { #expect(f.why.contains("illegal instruction") || f.why.contains("OpenBLAS ran"), "\(f.why)") }
        }
    }
}
