import ArgumentParser
import Dynamics
import Foundation

/// `dynamics sweep`: a seeded grid of training runs with confidence intervals.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train architectures × training fractions × seeds; report mean test accuracy with 95% intervals and paired comparisons.",
        discussion: """
            Each run is a normal training run (its checkpoint in DIR/ARCH/fFRACTION/sSEED, its \
            result in result.json there). Running the same command again skips finished runs and \
            resumes interrupted ones, so a killed sweep continues where it stopped. Each --archs \
            name is a preset, or a block whose network takes --units, --filters, --norm, --dt and \
            --activation. A seed fixes the training subset (stratified), the weights and the \
            batches, so two architectures with the same seed see the same images: their accuracy \
            differences are paired by seed, and a comparison names a winner only when its 95% \
            interval excludes zero. Under an MPI launcher (mpirun -np N dynamics sweep …) the runs \
            are shared out among the N processes (the folder must be visible to all of them); rank 0 \
            prints the summary.
            """)

    @Option(help: "The data set (default synthetic:shapes); see train --help.")
    var data: String?

    @Option(help: "Architectures: preset or block names, separated by commas.", transform: Arguments.names)
    var archs: [String]

    @OptionGroup var shape: ArchitectureOptions

    @Option(help: "Training fractions in (0, 1], separated by commas (default 1).", transform: Arguments.fractions)
    var fractions: [Double] = [1]

    @Option(help: "Seeds, separated by commas (default 1,2,3,4,5).", transform: Arguments.integers)
    var seeds: [Int] = [1, 2, 3, 4, 5]

    @Option(help: "Epochs per run (default 10).")
    var epochs: Int = 10

    @OptionGroup var optimizer: OptimizerOptions

    @Option(help: "Worker threads (default: BLAS's; under mpirun, the cores shared among the ranks on each machine).")
    var threads: Int?

    @Option(help: "The sweep's folder: one subfolder per run.")
    var folder: String

    @Option(help: "Also write the summary as CSV (one row per cell, then one per comparison).")
    var csv: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        try reject([("--preset", shape.preset != nil), ("--arch", shape.arch != nil)], "does not apply to sweep; name the architectures with --archs")
        guard seeds.allSatisfy({ $0 >= 0 }) else { throw ValidationError("--seeds must be non-negative, got \(seeds)") }
        guard (1...TrainingConfiguration.maximumEpochs).contains(epochs) else {
            throw ValidationError("--epochs must be from 1 to \(TrainingConfiguration.maximumEpochs), got \(epochs)")
        }
        if let t = threads, !(1...ComputeContext.maximumThreads).contains(t) {
            throw ValidationError("--threads must be from 1 to \(ComputeContext.maximumThreads), got \(t)")
        }
    }

    func run() throws {
        let ranks = Ranks.start()
        defer { ranks?.finish() }
        do { try sweep(ranks: ranks) } catch { throw Ranks.reported(error, by: ranks) }
    }

    /// The sweep, on one process or as one rank sharing the runs out (`Sweep.run`).
    func sweep(ranks: MPICommunicator?) throws {
        let threads = self.threads ?? ranks.map(Ranks.defaultThreads)
        if let threads { BLASConfiguration.threads = threads }
        let lead = (ranks?.rank ?? 0) == 0
        let setup = { () throws -> (Sweep, Dataset, Dataset) in try self.prepare(checkingOutputs: lead) }
        let (sweep, train, test) = try ranks.map { try $0.agree(setup) } ?? setup()
        let interrupt = Interrupt(announce: lead)
        let total = sweep.cells.count
        let runs: [Sweep.Run]
        do {
            runs = try mappingLibraryErrors {
                try sweep.run(train: train, test: test, context: ComputeContext(threads: threads), communicator: ranks, started: { index, cell, resuming in
                    let who = ranks.map { $0.isDistributed ? "rank \($0.rank): " : "" } ?? ""
                    FileHandle.standardError.write(Data("\(who)run \(index + 1)/\(total): \(cell.entry.name), fraction \(cell.fraction), seed \(cell.seed)\(resuming ? " (resuming)" : "")\n".utf8))
                }, shouldStop: { interrupt.isSet })
            }
        } catch is TrainingInterrupted {
            if lead { StandardStreams.printError("Error: interrupted; finished runs are kept, run the same command to continue") }
            throw ExitCode(130)
        }
        guard lead else { return }
        let summary = SweepSummary(runs)
        if let csv { try AtomicFile.write(Self.csv(summary), to: csv) }
        if output.json { return try Output.printJSON(summary) }
        print("test accuracy, mean ± 95% interval over seeds (n)")
        for c in summary.cells {
            let h = c.accuracy.halfWidth.map { String(format: " ± %.2f", 100 * $0) } ?? ""
            print("  \(c.architecture.padding(toLength: 18, withPad: " ", startingAt: 0)) fraction \(String(format: "%-6g", c.fraction))"
                  + String(format: " %6.2f%%", 100 * c.accuracy.mean) + h + " (\(c.accuracy.count))")
        }
        if !summary.comparisons.isEmpty { print("paired by seed: first − second") }
        for c in summary.comparisons {
            let h = c.difference.halfWidth.map { String(format: " ± %.2f", 100 * $0) } ?? ""
            print("  fraction \(String(format: "%-6g", c.fraction)) \(c.first) − \(c.second): "
                  + String(format: "%+.2f", 100 * c.difference.mean) + h + " points → \(c.verdict == "neither" ? "neither wins" : c.verdict + " wins")")
        }
    }

    /// The sweep and its data (on every rank alike); the lead also checks the CSV's folder.
    private func prepare(checkingOutputs: Bool) throws -> (Sweep, Dataset, Dataset) {
        if let csv, checkingOutputs { try AtomicFile.checkWritable(csv) }
        let entries = try archs.map { name -> Sweep.Entry in
            var options = shape
            if Block(rawValue: name) != nil { options.arch = Block(rawValue: name) } else { options.preset = name }
            return Sweep.Entry(name: name, architecture: try options.architecture())
        }
        let spec = try DatasetSpec(parsing: data ?? "synthetic:shapes")
        var base = TrainingConfiguration(architecture: entries[0].architecture, data: spec, epochs: epochs, augment: spec.augmentsByDefault)
        optimizer.apply(to: &base)
        let sweep = try mappingLibraryErrors {
            try Sweep(entries: entries, fractions: fractions, seeds: seeds.map(UInt64.init), base: base, folder: folder)
        }
        let (train, test) = try spec.load()
        return (sweep, train, test)
    }

    /// The summary as CSV: kind, names, fraction, n, mean, sd, half-width, verdict.
    static func csv(_ s: SweepSummary) -> String {
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        var lines = ["kind,first,second,fraction,n,mean,sd,halfWidth95,verdict"]
        for c in s.cells {
            lines.append("cell,\(c.architecture),,\(c.fraction),\(c.accuracy.count),\(c.accuracy.mean),\(number(c.accuracy.standardDeviation)),\(number(c.accuracy.halfWidth)),")
        }
        for c in s.comparisons {
            lines.append("paired,\(c.first),\(c.second),\(c.fraction),\(c.difference.count),\(c.difference.mean),\(number(c.difference.standardDeviation)),\(number(c.difference.halfWidth)),\(c.verdict)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
