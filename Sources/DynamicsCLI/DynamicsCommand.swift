import ArgumentParser
import Foundation
import Dynamics

/// The `dynamics` executable: thin commands that parse flags, call the library, and print.
@main
struct DynamicsCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "dynamics",
        abstract: "Numerical dynamical systems and reversible deep networks (Chang et al., AAAI 2018).",
        discussion: """
            Every command prints a readable report, or one JSON object on stdout with --json. \
            Errors go to stderr with a non-zero exit status.
            """,
        version: version,
        subcommands: [
            Info.self, PresetsCommand.self, Eig.self, Integrate.self, Reverse.self, ConvergenceCommand.self,
            StabilityCommand.self, LyapunovCommand.self, RegionCommand.self, Gradcheck.self, Bench.self,
            Train.self, Evaluate.self, Predict.self, Export.self, SweepCommand.self,
        ]
    )

    /// Parses, runs and exits like `ParsableCommand.main()`, with two differences: every error
    /// message has its control characters escaped, and stdout is flushed and checked before the
    /// process exits (see `StandardStreams`).
    static func main() {
        BLASKernelChoice.apply()
        StandardStreams.prepare()
        var status: Int32
        var parsed = false
        do {
            var command = try parseAsRoot()
            parsed = true
            try command.run()
            status = 0
        } catch {
            status = exitCode(for: error).rawValue
            let message = fullMessage(for: error)
            if !parsed && Ranks.launchedRank > 0 {
                // Under mpirun every rank parses the same arguments: rank 0 alone says what is wrong.
            } else if status == 0 {
                if !message.isEmpty { print(message) }  // --help, --version
            } else if !message.isEmpty {
                StandardStreams.printError(message)
            }
        }
        Foundation.exit(StandardStreams.finish(status: status))
    }
}
