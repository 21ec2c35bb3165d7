import ArgumentParser

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
            Info.self, Eig.self, Integrate.self, Reverse.self, ConvergenceCommand.self,
            StabilityCommand.self, LyapunovCommand.self, RegionCommand.self, Gradcheck.self, Bench.self,
            Train.self, Evaluate.self,
        ]
    )
}
