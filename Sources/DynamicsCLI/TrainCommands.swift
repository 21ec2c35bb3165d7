import ArgumentParser
import Dynamics
import Foundation

/// `dynamics train`: train a classifier whose blocks are integrator steps.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an image classifier (Hamiltonian, midpoint, leapfrog, ResNet or RevNet blocks).",
        discussion: """
            Data: cifar10:DIR, cifar100:DIR, stl10:DIR, mnist:DIR (any IDX set with MNIST's file names, \
            optionally .gz) or synthetic:NAME (shapes, spirals, circles). The network is a --preset or \
            --arch with --units and --filters. SGD with momentum, weight decay and weight smoothness; \
            the learning rate drops ×0.1 at 50% and 75% of the steps. Each epoch appends a JSON line to \
            --log and writes an atomic checkpoint to --checkpoint; --resume continues one. Under an MPI \
            launcher (mpirun -np N dynamics train …) the N processes train one network data-parallel: \
            each takes a shard of every --batch-size batch, rank 0 prints and writes.
            """)

    @Option(help: "The data set (default synthetic:shapes).")
    var data: String?

    @OptionGroup var shape: ArchitectureOptions

    @Option(help: "Epochs (default 10; with --resume, the checkpoint's, or more to extend the run).")
    var epochs: Int?

    @OptionGroup var optimizer: OptimizerOptions

    @Option(help: "Train on this stratified fraction of the training set (0 < f ≤ 1).")
    var subsample: Double?

    @Option(help: "Hold out this stratified fraction of the training set and report accuracy on it.")
    var validation: Double?

    @Option(help: "Augmentation (pad 4, random crop, flip): on or off (default: on for CIFAR and STL-10).")
    var augment: Toggle?

    @Option(help: "Backpropagation: reversible (memory flat in depth) or stored.")
    var backprop: Backprop?

    @OptionGroup(title: "Reversible-training guard") var reconstruction: ReconstructionOptions

    @Option(parsing: .unconditional, help: "With --data folder:DIR: scale each image to cover S or HxW and centre-crop it (needed when the images' sizes differ).",
            transform: Arguments.size)
    var imageSize: ImageSize?

    @Option(help: "Seed of weights, shuffling and augmentation (default 1).")
    var seed: UInt64?

    @Option(help: "Threads: BLAS's, and the workers that cut each batch into chunks (default: OPENBLAS_NUM_THREADS or all cores; under mpirun, the cores shared among the ranks on each machine).")
    var threads: Int?

    @Option(help: "3×3 convolutions: winograd (F(2×2, 3×3) where the plane suits, direct elsewhere) or direct.")
    var convolution: ConvolutionAlgorithm = .winograd

    @Option(help: "Write a checkpoint to this folder after every epoch.")
    var checkpoint: String?

    @Option(help: "Resume the run saved in this folder (it keeps checkpointing there unless --checkpoint says otherwise).")
    var resume: String?

    @Option(name: .customLong("init"), help: "Start from the weights (and standardisation) of a file written by dynamics export (.safetensors); the file fixes the architecture.")
    var initialWeights: String?

    @Option(help: "Append one JSON line per epoch to this file.")
    var log: String?

    @Flag(help: "Replace the checkpoint a --checkpoint folder already holds (without it, such a folder is refused).")
    var overwrite = false

    @OptionGroup var output: OutputOptions

    enum Toggle: String, ExpressibleByArgument { case on, off }

    struct Report: Codable {
        var testAccuracy: Double
        var trainLoss: Double
        var trainAccuracy: Double
        var epochs: Int
        var imagesPerSecond: Double
        var parameters: Int
        var peakResidentMB: Double
        var architecture: Architecture
        var data: String
        var seconds: Double
        /// Processes of a data-parallel run (1: one process).
        var ranks: Int
        /// Seconds per step spent in collectives not hidden by computation (0 for one process).
        var communicationSecondsPerStep: Double
        /// Collectives per step (batch-norm statistics, gradient sums, agreement, figures).
        var collectivesPerStep: Double
    }

    func validate() throws {
        if let epochs, !(1...TrainingConfiguration.maximumEpochs).contains(epochs) {
            throw ValidationError("--epochs must be from 1 to \(TrainingConfiguration.maximumEpochs), got \(epochs)")
        }
        if let f = subsample, !(f > 0 && f <= 1) { throw ValidationError("--subsample must be in (0, 1], got \(f)") }
        if let f = validation, !(f > 0 && f < 1) { throw ValidationError("--validation must be in (0, 1), got \(f)") }
        if let t = threads, !(1...ComputeContext.maximumThreads).contains(t) {
            throw ValidationError("--threads must be from 1 to \(ComputeContext.maximumThreads), got \(t)")
        }
        if initialWeights != nil {
            try reject(shape.givenFlags, "cannot change the architecture of --init weights (the file fixes it)")
        }
        if resume != nil {
            try reject(shape.givenFlags + [("--data", data != nil)] + optimizer.givenFlags + [("--subsample", subsample != nil),
                                           ("--validation", validation != nil), ("--augment", augment != nil),
                                           ("--backprop", backprop != nil), ("--seed", seed != nil), ("--image-size", imageSize != nil),
                                           ("--init", initialWeights != nil)]
                           + reconstruction.givenFlags,
                       "cannot change a resumed run: the checkpoint's configuration is used (only --epochs may extend it)")
        }
    }

    func run() throws {
        let ranks = Ranks.start()
        defer { ranks?.finish() }
        do { try train(ranks: ranks) } catch { throw Ranks.reported(error, by: ranks) }
    }

    /// The run, on one process (`ranks` nil) or as one rank of a data-parallel run: every rank
    /// reads the arguments and the data (failures anywhere stop all, `Communicator.agree`),
    /// then trains its shards; rank 0 alone prints and writes.
    func train(ranks: MPICommunicator?) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let lead = (ranks?.rank ?? 0) == 0, size = ranks?.size ?? 1
        let setup = { () throws -> (TrainingConfiguration, Checkpoint?, Trainer, Dataset) in try self.prepare(ranks: ranks) }
        let (configuration, resumed, trainer, train) = try ranks.map { try $0.agree(setup) } ?? setup()
        let bar = ProgressBar(mode: isatty(STDERR_FILENO) == 1 ? .bar : .lines)
        let test = trainer.test
        if !output.json && lead {
            print("\(configuration.data): \(train.count) training, \(test.count) test images, \(train.channels)×\(train.height)×\(train.width), \(train.classes) classes")
            let a = configuration.architecture
            print("\(a.block.rawValue) network, depth \(a.depth), \(trainer.network.parameterCount) parameters, h = \(a.resolvedStepSize), σ = \(a.activation.rawValue), "
                  + (a.normalization == .batch ? "batch norm, " : "")
                  + "\(configuration.backprop.rawValue) backprop\(Self.guardSummary(configuration)), decay on \(configuration.resolvedRegularization == .weights ? "weights" : "all parameters")"
                  + (resumed.map { ", resuming after epoch \($0.header.epoch)" } ?? ""))
            if size > 1 { print(Self.shardSummary(batchSize: configuration.batchSize, ranks: size, threads: trainer.context.threads)) }
            trainer.history.forEach { Self.printEpoch($0) }
        }
        let interrupt = Interrupt(announce: lead)
        do {
            try mappingLibraryErrors {
                try trainer.run(checkpointFolder: checkpoint ?? resume, log: log, progress: lead ? { bar.update($0) } : nil,
                                epochEnded: { record in
                                    guard lead else { return }
                                    bar.finish()
                                    if !output.json { Self.printEpoch(record) }
                                }, reconstructionWarning: { warning in
                                    guard lead else { return }
                                    bar.finish()
                                    StandardStreams.printError(Self.message(warning))
                                }, shouldStop: { interrupt.isSet })
            }
        } catch let stop as TrainingInterrupted {
            guard lead else { throw ExitCode(130) }
            bar.finish()
            let folder = checkpoint ?? resume
            let next = folder.map { "the checkpoint after epoch \(stop.completedEpochs) is in \($0); continue with: dynamics train --resume \($0)" }
                ?? "no checkpoint was written (give --checkpoint DIR to be able to resume)"
            StandardStreams.printError("Error: interrupted during epoch \(stop.completedEpochs + 1); \(next)")
            throw ExitCode(130)
        }
        let last = trainer.history.last
        let steps = max(1, (trainer.epoch - (resumed?.header.epoch ?? 0)) * trainer.batchesPerEpoch)
        let report = Report(testAccuracy: trainer.accuracy(on: trainer.test), trainLoss: last?.trainLoss ?? .nan,
                            trainAccuracy: last?.trainAccuracy ?? .nan, epochs: trainer.epoch,
                            imagesPerSecond: trainer.history.isEmpty ? 0 : trainer.history.map(\.imagesPerSecond).reduce(0, +) / Double(trainer.history.count),
                            parameters: trainer.network.parameterCount, peakResidentMB: ProcessMemory.peakResidentMB,
                            architecture: configuration.architecture, data: configuration.data.description,
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9, ranks: size,
                            communicationSecondsPerStep: (ranks?.seconds ?? 0) / Double(steps),
                            collectivesPerStep: Double(ranks?.calls ?? 0) / Double(steps))
        guard lead else { return }
        if output.json { return try Output.printJSON(report) }
        if size > 1 {
            print(String(format: "communication: %.1f ms per step in %.0f collectives, not hidden by computation (%.1f ms of it waiting for gradient sums)",
                         1e3 * report.communicationSecondsPerStep, report.collectivesPerStep, 1e3 * trainer.network.gradientWaitSeconds / Double(steps)))
        }
        print(String(format: "test accuracy %.2f%% after %d epochs (%.1f s, peak RSS %.0f MB)",
                     100 * report.testAccuracy, report.epochs, report.seconds, report.peakResidentMB))
    }

    /// Reads the checkpoint, weights and data and makes the trainer (on every rank alike);
    /// returns the whole training set too.
    private func prepare(ranks: MPICommunicator?) throws -> (TrainingConfiguration, Checkpoint?, Trainer, Dataset) {
        let resumed = try resume.map { try Checkpoint(folder: $0) }
        // A resumed run computes with the thread count saved in its checkpoint (it fixed the
        // rounding, with the rank count), unless --threads says otherwise; ranks share the cores.
        let initial = try initialWeights.map { try Checkpoint(weightsFile: $0) }
        let sameRanks = (resumed?.header.ranks ?? 1) == (ranks?.size ?? 1)
        let threads = self.threads ?? (sameRanks ? resumed?.header.threads : nil) ?? ranks.map(Ranks.defaultThreads)
        if let threads { BLASConfiguration.threads = threads }
        let context = ComputeContext(convolution: convolution, threads: threads)
        var configuration: TrainingConfiguration
        if let resumed {
            configuration = resumed.header.configuration
            if let epochs {
                guard epochs >= configuration.epochs else {
                    throw CLIError("--epochs \(epochs) is fewer than the resumed run's \(configuration.epochs); a resumed run can only be extended")
                }
                configuration.epochs = epochs
            }
        } else {
            var spec = try DatasetSpec(parsing: data ?? "synthetic:shapes")
            if let imageSize {
                guard spec.kind == .folder else { throw CLIError("--image-size applies to --data folder:DIR only (the other sets have one size)") }
                spec.imageSize = imageSize
            }
            let initialArchitecture = try initial?.header.configuration.architecture
            configuration = TrainingConfiguration(architecture: try initialArchitecture ?? shape.architecture(), data: spec, epochs: epochs ?? 10,
                                                  augment: augment.map { $0 == .on } ?? spec.augmentsByDefault)
            optimizer.apply(to: &configuration)
            configuration.subsample = subsample
            configuration.validation = validation
            if let seed { configuration.seed = seed }
            if let backprop { configuration.backprop = backprop }
            if configuration.backprop == .stored, let flag = reconstruction.givenFlags.first(where: \.given) {
                throw CLIError("\(flag.name) applies to reversible backprop only, and this run stores every unit's input (--backprop stored, or a block without an exact inverse)")
            }
            reconstruction.apply(to: &configuration)
        }
        if let folder = checkpoint, resume == nil, !overwrite, (ranks?.rank ?? 0) == 0, FileManager.default.fileExists(atPath: Checkpoint.file(in: folder)) {
            throw CLIError("--checkpoint \(folder) holds another run's checkpoint; continue it with --resume \(folder), or replace it with --overwrite")
        }
        let (train, test): (Dataset, Dataset)
        do { (train, test) = try configuration.data.load() } catch let e as ImageFolder.SizesDiffer { throw CLIError("\(e) (--image-size S|HxW)") }
        let trainer = try mappingLibraryErrors {
            try Trainer(configuration, train: train, test: test, resumeFrom: resumed, initial: initial, context: context, communicator: ranks)
        }
        return (configuration, resumed, trainer, train)
    }
}

extension Train {
    /// How a data-parallel run splits each batch.
    static func shardSummary(batchSize: Int, ranks: Int, threads: Int) -> String {
        let sizes = (0..<ranks).map { Shard.range(count: batchSize, rank: $0, size: ranks).count }
        let shares = sizes.min() == sizes.max() ? "\(sizes[0]) images each" : "\(sizes.min()!)–\(sizes.max()!) images each (\(batchSize) does not divide by \(ranks); the remainder is spread)"
        return "data-parallel on \(ranks) ranks, \(threads) thread\(threads == 1 ? "" : "s") each: every batch of \(batchSize) split into shards of \(shares)"
    }

    /// One epoch's line on stdout, flushed so that a pipe sees it as the epoch ends.
    static func printEpoch(_ r: EpochRecord) {
        let rebuilt = r.reconstruction.map { record in
            let stored = record.segments.filter(\.stored).map { "\($0.units[0])–\($0.units[1])" }
            return (record.worst.map { String(format: "  rebuild error %.1e", $0) } ?? "")
                + (stored.isEmpty ? "" : "  stored units \(stored.joined(separator: ", "))")
        } ?? ""
        print(String(format: "epoch %3d  loss %.4f  train %.2f%%  %@ %.2f%%  lr %.4g  %.0f images/s",
                     r.epoch, r.trainLoss, 100 * r.trainAccuracy, r.evaluatedOn, 100 * r.evaluationAccuracy, r.learningRate, r.imagesPerSecond)
              + rebuilt)
        fflush(nil)
    }

    /// The reconstruction check of a reversible run, for the header line.
    static func guardSummary(_ c: TrainingConfiguration) -> String {
        let check = c.resolvedReconstructionCheck
        guard c.backprop == .reversible else { return "" }
        guard check.every > 0 else { return " (rebuilt inputs unchecked)" }
        return String(format: " (rebuilt inputs checked every %d steps against %.0e%@)", check.every, check.threshold,
                      check.fallback ? ", stored on failure" : "")
    }

    /// A failed reconstruction check, with what it means and what to do.
    static func message(_ w: ReconstructionWarning) -> String {
        String(format: "Warning: epoch %d, batch %d: units %d–%d rebuilt their inputs with relative error %.1e (over %.0e); ",
               w.epoch, w.batch, w.units.lowerBound, w.units.upperBound, w.error, w.threshold)
            + (w.stored ? "they keep their inputs from now on (stored backprop there)"
                        : "the gradients of these and earlier units carry that error: try a smaller --dt, or --reconstruction-fallback to store them")
    }
}

/// `dynamics evaluate`: the accuracy of a checkpoint on a data set's test images.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Test accuracy of a trained checkpoint or weights file.")

    @OptionGroup var source: TrainedSource

    @Option(help: "The data set whose test images are used (default: the one the network was trained on).")
    var data: String?

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var testAccuracy: Double
        var images: Int
        var epoch: Int
    }

    func run() throws {
        let saved = try source.load()
        var test = try CheckpointAnalysis.testData(of: saved, data: data, source: source.name).test
        let h = saved.header
        test.standardize(mean: h.mean, std: h.std)
        let report = Report(testAccuracy: Trainer.accuracy(of: try saved.trainableNetwork(), on: test, batchSize: h.configuration.batchSize),
                            images: test.count, epoch: h.epoch)
        if output.json { return try Output.printJSON(report) }
        print(String(format: "test accuracy %.2f%% on %d images", 100 * report.testAccuracy, report.images)
              + (source.checkpoint != nil ? " (checkpoint after epoch \(report.epoch))" : ""))
    }
}

/// Progress on stderr: a one-line bar on a terminal; otherwise a plain line at every tenth of
/// an epoch, so that a log file or a pipe also shows a long run moving.
final class ProgressBar {
    enum Mode { case bar, lines }
    let mode: Mode
    private var lastTenth = -1
    init(mode: Mode) { self.mode = mode }

    func update(_ p: Trainer.Progress) {
        let width = 24, filled = width * p.batch / p.batches
        // ETA of the run: the epoch's pace so far, over the batches left in all epochs.
        let left = Double((p.epochs - p.epoch) * p.batches + p.batches - p.batch)
        let eta = Int(p.seconds / Double(p.batch) * left)
        switch mode {
        case .bar:
            let line = String(format: "\repoch %d/%d [%@%@] %3d%%  loss %.4f  acc %.1f%%  %.0f img/s  ETA %d:%02d ",
                              p.epoch, p.epochs, String(repeating: "=", count: filled), String(repeating: " ", count: width - filled),
                              100 * p.batch / p.batches, p.loss, 100 * p.accuracy, p.imagesPerSecond, eta / 60, eta % 60)
            FileHandle.standardError.write(Data(line.utf8))
            lastTenth = 10 * p.batch / p.batches
        case .lines:
            let tenth = 10 * p.batch / p.batches
            guard tenth > lastTenth, tenth < 10 else { return }
            lastTenth = tenth
            FileHandle.standardError.write(Data(String(format: "epoch %d/%d %3d%%  loss %.4f  acc %.1f%%  %.0f img/s  ETA %d:%02d\n",
                                                       p.epoch, p.epochs, 10 * tenth, p.loss, 100 * p.accuracy, p.imagesPerSecond,
                                                       eta / 60, eta % 60).utf8))
        }
    }

    /// Ends the epoch's progress (the bar's line; the next epoch's tenths count afresh).
    func finish() {
        if mode == .bar && lastTenth >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        lastTenth = -1
    }
}
