import Foundation
import Testing

/// Every numeric flag of every command at its extremes (0, −1, 2³¹, 2⁶³−1, NaN, ∞): the tool
/// either succeeds or exits with an error whose first line is `Error: …` — never a trap or a
/// signal. A run still going after a few seconds (a valid extreme, e.g. a huge seed) is stopped
/// and counts as no crash so far.
@Suite("Flags at their extremes never trap")
struct FlagExtremesTests {
    static let values = ["0", "-1", "2147483648", "9223372036854775807", "nan", "inf"]

    /// (the command and what it needs to run, the numeric flags to push to their extremes)
    static let commands: [([String], [String])] = [
        (["integrate", "--system", "harmonic", "--method", "verlet"], ["--dt", "--steps", "--every"]),
        (["reverse", "--system", "harmonic", "--method", "verlet"], ["--dt", "--steps"]),
        (["reverse", "--arch", "hamiltonian", "--depth", "3"], ["--depth", "--channels", "--seed", "--dt"]),
        (["convergence", "--system", "harmonic", "--method", "verlet"], ["--t-end", "--initial-steps", "--halvings"]),
        (["stability", "--system", "lorenz", "--method", "rk4"], ["--dt"]),
        (["lyapunov", "--system", "lorenz", "--steps", "100", "--transient", "0"], ["--dt", "--steps", "--transient", "--renormalize-every"]),
        (["lyapunov", "--arch", "hamiltonian", "--depth", "3", "--largest-only"], ["--depth", "--channels"]),
        (["region", "--method", "rk4"], ["--grid"]),
        (["eig", "--block", "hamiltonian", "--channels", "2", "--size", "2x2"], ["--channels", "--seed", "--dt", "--tolerance", "--top"]),
        (["eig", "--checkpoint", "/nonexistent"], ["--images", "--units", "--top"]),
        (["lyapunov", "--checkpoint", "/nonexistent"], ["--images", "--exponents"]),
        (["gradcheck", "--arch", "hamiltonian", "--depth", "3", "--samples", "2"], ["--depth", "--samples", "--seed"]),
        (["bench", "--arch", "hamiltonian", "--units", "1,1,1", "--filters", "8,8,8,8", "--batch", "2", "--size", "8", "--steps", "1"],
         ["--batch", "--steps", "--dt"]),
        (["train", "--units", "1,1,1", "--filters", "2,2,2,2", "--subsample", "0.05", "--epochs", "1"],
         ["--epochs", "--batch-size", "--lr", "--momentum", "--weight-decay", "--smoothness", "--subsample", "--validation",
          "--threads", "--seed", "--dt", "--check-reconstruction-every", "--reconstruction-threshold"]),
    ]

    /// Runs the tool; a run still going after `seconds` is stopped with SIGKILL (children of a
    /// Foundation `Process` start with signals such as SIGTERM and SIGALRM blocked, so neither
    /// `terminate()` nor coreutils' `timeout` would end them).
    static func run(_ arguments: [String], seconds: Double) throws -> (status: Int32, signaled: Bool, stderr: String, stopped: Bool) {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = arguments
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-extremes-\(getpid())-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: err) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let stopped = process.isRunning
        if stopped { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal && !stopped, stderr, stopped)
    }

    @Test("every flag at every extreme: success or a one-line error", arguments: Self.commands.indices)
    func extremes(command: Int) throws {
        let (base, flags) = Self.commands[command]
        for flag in flags {
            for value in Self.values {
                // A flag given twice takes its last value.
                let r = try Self.run(base + [flag, value], seconds: 3)
                let call = (base + [flag, value]).joined(separator: " ")
                #expect(!r.signaled, "\(call) died by a signal: \(r.stderr.prefix(300))")
                if !r.stopped && r.status != 0 {
                    #expect(r.stderr.hasPrefix("Error: "), "\(call): \(r.stderr.prefix(300))")
                }
            }
        }
    }
}
