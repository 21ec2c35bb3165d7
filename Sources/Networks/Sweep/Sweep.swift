import Foundation
import Integrators
import LinearAlgebra

/// A grid of training runs — architectures × training fractions × seeds — each a normal
/// training run with its own checkpoint folder, summarised as per-cell means with Student-t
/// intervals and paired comparisons between architectures (the paper's small-data experiment,
/// Chang et al. 2018, §4.3, as an experiment with error bars rather than one seed per point).
///
/// Folder layout: `DIR/ARCH/fFRACTION/sSEED/` holds a run's checkpoint and, once it has finished,
/// `result.json`. Running a sweep again skips the runs that have a result and resumes those that
/// have only a checkpoint, so a sweep killed at any moment continues where it stopped.
public struct Sweep: Sendable {
    /// An architecture under a name (a preset's, or a block's with the sweep's widths).
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var architecture: Architecture
        public init(name: String, architecture: Architecture) {
            self.name = name
            self.architecture = architecture
        }
    }

    /// One finished run.
    public struct Run: Codable, Sendable, Equatable {
        public var architecture: String
        public var fraction: Double
        public var seed: UInt64
        public var testAccuracy: Double
        public var trainingImages: Int
        public var seconds: Double
        /// The run's whole configuration, so that a result is reused only by the same run.
        public var configuration: TrainingConfiguration
    }

    public var entries: [Entry]
    public var fractions: [Double]
    public var seeds: [UInt64]
    /// Everything but the architecture, fraction and seed (data, epochs, rates, …).
    public var base: TrainingConfiguration
    public var folder: String

    /// - Throws: `TrainingConfiguration.Invalid` for an empty grid, a fraction outside (0, 1],
    ///   repeated names, or a configuration that any run would refuse.
    public init(entries: [Entry], fractions: [Double], seeds: [UInt64], base: TrainingConfiguration, folder: String) throws {
        func check(_ ok: Bool, _ problem: String) throws { if !ok { throw TrainingConfiguration.Invalid(description: problem) } }
        try check(!entries.isEmpty && !fractions.isEmpty && !seeds.isEmpty, "a sweep needs at least one architecture, fraction and seed")
        try check(Set(entries.map(\.name)).count == entries.count, "architecture names must differ, got \(entries.map(\.name))")
        try check(fractions.allSatisfy { $0 > 0 && $0 <= 1 }, "fractions must be in (0, 1], got \(fractions)")
        try check(Set(seeds).count == seeds.count && Set(fractions).count == fractions.count, "fractions and seeds must not repeat")
        (self.entries, self.fractions, self.seeds, self.base, self.folder) = (entries, fractions, seeds, base, folder)
        for cell in cells { try configuration(cell).validate() }
    }

    /// The grid, architecture-major (each architecture's runs together, smallest fraction first).
    public var cells: [(entry: Entry, fraction: Double, seed: UInt64)] {
        entries.flatMap { e in fractions.flatMap { f in seeds.map { (e, f, $0) } } }
    }

    /// The training configuration of one run.
    public func configuration(_ cell: (entry: Entry, fraction: Double, seed: UInt64)) -> TrainingConfiguration {
        var c = base
        c.architecture = cell.entry.architecture
        c.backprop = .default(for: cell.entry.architecture.block)
        c.subsample = cell.fraction < 1 ? cell.fraction : nil
        c.seed = cell.seed
        return c
    }

    /// The folder of one run.
    public func runFolder(_ cell: (entry: Entry, fraction: Double, seed: UInt64)) -> String {
        "\(folder)/\(cell.entry.name)/f\(cell.fraction)/s\(cell.seed)"
    }

    /// Runs every cell that has no result yet (resuming from its checkpoint if it has one) and
    /// returns the results of all cells, in `cells` order. `started` is called before each run
    /// that is not skipped; `shouldStop` is polled between batches (a stopped run keeps its last
    /// checkpoint and the sweep throws `TrainingInterrupted`).
    ///
    /// With a `communicator` of several ranks, the runs are shared out: rank r trains the cells
    /// whose index is r modulo the rank count, each as one process, writing into the folder
    /// (which every rank must see: a shared file system on a cluster). Once every rank is done
    /// (or one failed: `Communicator.agree`), each returns all results, read from the folder.
    public func run(train: Dataset, test: Dataset, context: ComputeContext = ComputeContext(), communicator: (any Communicator)? = nil,
                    started: ((_ index: Int, _ cell: (entry: Entry, fraction: Double, seed: UInt64), _ resuming: Bool) -> Void)? = nil,
                    shouldStop: (() -> Bool)? = nil) throws -> [Run] {
        let (rank, size) = (communicator?.rank ?? 0, communicator?.size ?? 1)
        let mine = { () throws -> [Run] in
            try self.cells.enumerated().filter { $0.offset % size == rank }.map { index, cell in
                try self.result(of: cell) ?? self.train(index, cell, train: train, test: test, context: context, started: started, shouldStop: shouldStop)
            }
        }
        guard let communicator, communicator.isDistributed else { return try mine() }
        _ = try communicator.agree(mine)
        return try cells.map { cell in
            guard let run = try result(of: cell) else { throw DatasetError("\(runFolder(cell))/result.json", "was not written; is the folder shared by every rank?") }
            return run
        }
    }

    /// A cell's finished result, if its folder has one.
    /// - Throws: `DatasetError` when the folder holds another configuration's result.
    func result(of cell: (entry: Entry, fraction: Double, seed: UInt64)) throws -> Run? {
        let resultFile = "\(runFolder(cell))/result.json"
        guard let data = FileManager.default.contents(atPath: resultFile) else { return nil }
        guard let run = try? JSONDecoder().decode(Run.self, from: data), run.architecture == cell.entry.name,
              run.fraction == cell.fraction, run.seed == cell.seed, run.configuration == configuration(cell) else {
            throw DatasetError(resultFile, "is not this sweep's result for \(cell.entry.name), fraction \(cell.fraction), seed \(cell.seed) "
                               + "(another configuration ran there); use another --folder, or remove it to run that cell again")
        }
        return run
    }

    /// Trains one cell (resuming its checkpoint if there is one) and writes its result.
    private func train(_ index: Int, _ cell: (entry: Entry, fraction: Double, seed: UInt64), train: Dataset, test: Dataset, context: ComputeContext,
                       started: ((_ index: Int, _ cell: (entry: Entry, fraction: Double, seed: UInt64), _ resuming: Bool) -> Void)?,
                       shouldStop: (() -> Bool)?) throws -> Run {
        let dir = runFolder(cell), resultFile = "\(dir)/result.json"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let checkpoint = FileManager.default.fileExists(atPath: Checkpoint.file(in: dir)) ? try Checkpoint(folder: dir) : nil
        if let checkpoint, checkpoint.header.configuration != configuration(cell) {
            throw DatasetError(Checkpoint.file(in: dir), "holds a run of another configuration; use another --folder, or remove it to run this cell again")
        }
        started?(index, cell, checkpoint != nil)
        let clock = ContinuousClock(), t0 = clock.now
        let trainer = try Trainer(configuration(cell), train: train, test: test, resumeFrom: checkpoint, context: context)
        try trainer.run(checkpointFolder: dir, shouldStop: shouldStop)
        let run = Run(architecture: cell.entry.name, fraction: cell.fraction, seed: cell.seed,
                      testAccuracy: trainer.accuracy(on: trainer.test), trainingImages: trainer.train.count,
                      seconds: seconds(since: t0, clock), configuration: configuration(cell))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(run), to: resultFile)
        return run
    }
}

/// What a sweep found: per (architecture, fraction) the test accuracy over seeds, and per
/// fraction and pair of architectures the difference of their accuracies paired by seed (the
/// same seed draws the same training subset for both, so the pairing removes the subset's
/// share of the variance).
public struct SweepSummary: Codable, Sendable, Equatable {
    public struct Cell: Codable, Sendable, Equatable {
        public var architecture: String
        public var fraction: Double
        public var accuracy: SampleSummary
    }

    public struct Comparison: Codable, Sendable, Equatable {
        public var first: String
        public var second: String
        public var fraction: Double
        /// first − second, per seed.
        public var difference: SampleSummary
        /// The first architecture, the second, or "neither" wins at the interval's confidence.
        public var verdict: String
    }

    public var cells: [Cell]
    public var comparisons: [Comparison]

    public init(_ runs: [Sweep.Run], confidence: Double = 0.95) {
        var names: [String] = [], fractions: [Double] = []
        for r in runs {
            if !names.contains(r.architecture) { names.append(r.architecture) }
            if !fractions.contains(r.fraction) { fractions.append(r.fraction) }
        }
        fractions.sort()
        cells = names.flatMap { name in
            fractions.compactMap { f in
                SampleSummary(runs.filter { $0.architecture == name && $0.fraction == f }.map(\.testAccuracy), confidence: confidence)
                    .map { Cell(architecture: name, fraction: f, accuracy: $0) }
            }
        }
        var comparisons: [Comparison] = []
        for f in fractions {
            for i in names.indices {
                for j in names.indices where j > i {
                    let a = Dictionary(runs.filter { $0.architecture == names[i] && $0.fraction == f }.map { ($0.seed, $0.testAccuracy) }) { x, _ in x }
                    let b = Dictionary(runs.filter { $0.architecture == names[j] && $0.fraction == f }.map { ($0.seed, $0.testAccuracy) }) { x, _ in x }
                    let seeds = a.keys.filter { b[$0] != nil }.sorted()
                    guard let d = SampleSummary(seeds.map { a[$0]! - b[$0]! }, confidence: confidence) else { continue }
                    comparisons.append(Comparison(first: names[i], second: names[j], fraction: f, difference: d,
                                                  verdict: d.sign > 0 ? names[i] : d.sign < 0 ? names[j] : "neither"))
                }
            }
        }
        self.comparisons = comparisons
    }
}
