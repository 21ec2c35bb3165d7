import Dynamics
import Foundation

/// At start-up, the OpenBLAS kernel for this CPU (`BLASKernelSelection`): when OpenBLAS fell
/// back to a kernel older than the CPU allows, the better one is tried in a child process and,
/// if it passes the check, this process re-executes itself with `OPENBLAS_CORETYPE` set (same
/// process id, arguments and environment otherwise; MPI is not yet started). What was decided
/// and why travels in the environment, so that `info` can say it and child processes do not
/// decide again:
///
/// - `DYNAMICS_BLAS_SELECTION=TEXT`: the choice is made; TEXT says which core and why.
/// - `DYNAMICS_BLAS_PROBE=1`: this process is the check of a candidate; it runs
///   `BLASKernelSelection.selfCheck`, prints the core and exits 0 if it passed.
/// - `DYNAMICS_BLAS_SIMULATE_FALLBACK=CORE`, for tests: behave as if OpenBLAS had fallen back
///   to CORE on this CPU (the process first re-executes itself on CORE).
enum BLASKernelChoice {
    static let selection = "DYNAMICS_BLAS_SELECTION", probe = "DYNAMICS_BLAS_PROBE"
    static let simulate = "DYNAMICS_BLAS_SIMULATE_FALLBACK", simulated = "DYNAMICS_BLAS_SIMULATED_FALLBACK"

    /// Runs first in `main`; returns on the kernel to keep, or replaces the process image.
    static func apply() {
        let environment = ProcessInfo.processInfo.environment
        if environment[probe] == "1" {
            let failure = BLASKernelSelection.selfCheck()
            print(BLASConfiguration.coreName)
            if let failure { FileHandle.standardError.write(Data("\(failure)\n".utf8)) }
            exit(failure == nil ? 0 : 1)
        }
        guard environment[selection] == nil else { return }
        if let core = environment[simulate], environment["OPENBLAS_CORETYPE"] == nil {
            setenv("OPENBLAS_CORETYPE", core, 1)
            setenv(simulated, core, 1)
            unsetenv(simulate)
            return reexecute()
        }
        let current = BLASConfiguration.coreName
        let user = environment["OPENBLAS_CORETYPE"].flatMap { $0 == environment[simulated] ? nil : $0 }
        switch BLASKernelSelection.decide(current: current, features: .current, configuration: BLASConfiguration.configuration, userSetting: user) {
        case .keep(let why):
            setenv(selection, why, 1)
        case .tryCore(let core, let because):
            let cache = VerdictCache(core: core)
            let cached = cache.verdict
            let outcome: String
            if let cached {
                outcome = cached
            } else {
                switch check(core) {
                case .success: outcome = "passed"
                case .failure(let failure): outcome = failure.why
                }
                cache.record(outcome)
            }
            let kept = " (checked at first use on this machine; the verdict is kept in \(cache.path))"
            if outcome == "passed" {
                setenv("OPENBLAS_CORETYPE", core, 1)
                setenv(selection, "\(core) in place of \(current): \(because); \(core) passed the SGEMM, DGEMM and DGEEV check" + kept, 1)
                reexecute()
            } else {
                let text = "\(current) kept: \(because), but \(core) failed the SGEMM, DGEMM and DGEEV check (\(outcome))"
                setenv(selection, text + kept, 1)
                // Warned once, when the check ran; `info` says it every time.
                if cached == nil { FileHandle.standardError.write(Data("Warning: BLAS kernel: \(text); BLAS runs slower than this CPU allows\n".utf8)) }
            }
        }
    }

    /// Why the process runs the kernel it runs (for `info`).
    static var explanation: String { ProcessInfo.processInfo.environment[selection] ?? "OpenBLAS's own choice" }

    struct ProbeFailure: Error { var why: String }

    /// Runs `executable` (this one by default) as the check of `core` and reports how it ended.
    static func check(_ core: String, executable: URL = URL(fileURLWithPath: "/proc/self/exe")) -> Result<Void, ProbeFailure> {
        let child = Process()
        child.executableURL = executable
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = core
        environment[probe] = "1"
        // A kernel the CPU cannot run dies of SIGILL: no crash report for that.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        child.environment = environment
        let output = Pipe(), errors = Pipe()
        child.standardOutput = output
        child.standardError = errors
        do { try child.run() } catch { return .failure(ProbeFailure(why: "could not start: \(error)")) }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        child.waitUntilExit()
        if child.terminationReason == .uncaughtSignal {
            return .failure(ProbeFailure(why: "killed by signal \(child.terminationStatus)\(child.terminationStatus == SIGILL ? ", an illegal instruction" : "")"))
        }
        guard child.terminationStatus == 0 else { return .failure(ProbeFailure(why: message.isEmpty ? "exit status \(child.terminationStatus)" : message)) }
        // OpenBLAS replaces a named core the CPU cannot run by one it can (Cooperlake without
        // BF16 becomes Haswell): the check is of the core that actually ran.
        guard printed == core else { return .failure(ProbeFailure(why: "OpenBLAS ran \(printed) when asked for \(core)")) }
        return .success(())
    }

    /// A kernel's check, remembered per machine (CPU model), OpenBLAS build and kernel in
    /// `$XDG_CACHE_HOME/dynamics/blas-kernels` (default `~/.cache`), so that it runs at first use
    /// only: one line per key, "passed" or why it failed.
    struct VerdictCache {
        let path: String, key: String
        static var defaultPath: String {
            let environment = ProcessInfo.processInfo.environment
            return (environment["XDG_CACHE_HOME"] ?? (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache") + "/dynamics/blas-kernels"
        }
        init(core: String, path: String = defaultPath) {
            self.path = path
            let model = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("model name") }.map { String($0.drop { $0 != ":" }.dropFirst()).trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
            key = "\(model)\t\(BLASConfiguration.configuration)\t\(core)\t"
        }
        var lines: [String] { ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        /// "passed", why the check failed, or nil if it never ran here.
        var verdict: String? { lines.last { $0.hasPrefix(key) }.map { String($0.dropFirst(key.count)) } }
        /// Records a verdict (best effort: an unwritable cache only means checking again next time).
        func record(_ verdict: String) {
            let line = key + verdict.replacingOccurrences(of: "\n", with: " ")
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? AtomicFile.write((lines.filter { !$0.hasPrefix(key) } + [line]).suffix(64).joined(separator: "\n") + "\n", to: path)
        }
    }

    /// Replaces this process with the same executable, arguments and (changed) environment;
    /// returns only if that fails, having said so (the process goes on with OpenBLAS's choice).
    static func reexecute() {
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        FileHandle.standardError.write(Data("Warning: BLAS kernel: could not re-execute (\(String(cString: strerror(errno)))); keeping \(BLASConfiguration.coreName)\n".utf8))
        setenv(selection, "\(BLASConfiguration.coreName): OpenBLAS's own choice (re-executing with another failed)", 1)
    }
}

