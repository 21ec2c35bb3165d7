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
            --log and writes an atomic checkpoint to --checkpoint; --resume continues one.
            """)

    @Option(help: "The data set.")
    var data: String = "synthetic:shapes"

    @Option(help: "A preset: \(Architecture.presets.keys.sorted().joined(separator: ", ")).")
    var preset: String?

    @Option(help: "The block, without a preset: hamiltonian, midpoint, leapfrog, resnet, revnet.")
    var arch: String?

    @Option(help: "With --arch: units per stage u1,u2,u3.")
    var units: String = "2,2,2"

    @Option(help: "With --arch: widths f0,f1,f2,f3 (stem = stage 1 ≤ stage 2 ≤ stage 3).")
    var filters: String = "16,16,32,64"

    @Option(name: .customLong("h"), parsing: .unconditional, help: "Step size h of the blocks.")
    var stepSize: Double?

    @Option(help: "Activation: relu or tanh.")
    var activation: Activation = .relu

    @Option(help: "Epochs (default 10; with --resume, the checkpoint's, or more to extend the run).")
    var epochs: Int?

    @Option(help: "Mini-batch size.")
    var batchSize: Int = 100

    @Option(parsing: .unconditional, help: "Initial learning rate.")
    var lr: Double = 0.1

    @Option(parsing: .unconditional, help: "Momentum.")
    var momentum: Double = 0.9

    @Option(parsing: .unconditional, help: "Weight decay.")
    var weightDecay: Double = 2e-4

    @Option(parsing: .unconditional, help: "Weight-smoothness decay α (α/2 Σ‖θ_{j+1} − θ_j‖² over a stage's consecutive units).")
    var smoothness: Double = 2e-4

    @Option(help: "Train on this stratified fraction of the training set (0 < f ≤ 1).")
    var subsample: Double?

    @Option(help: "Hold out this stratified fraction of the training set and report accuracy on it.")
    var validation: Double?

    @Option(help: "Augmentation (pad 4, random crop, flip): on or off (default: on for CIFAR and STL-10).")
    var augment: Toggle?

    @Option(help: "Backpropagation: reversible (memory flat in depth) or stored.")
    var backprop: Backprop?

    @Option(help: "Seed of weights, shuffling and augmentation.")
    var seed: UInt64 = 1

    @Option(help: "BLAS threads (default: OPENBLAS_NUM_THREADS or all cores).")
    var threads: Int?

    @Option(help: "3×3 convolutions: winograd (F(2×2, 3×3) where the plane suits, direct elsewhere) or direct.")
    var convolution: ConvolutionAlgorithm = .winograd

    @Option(help: "Write a checkpoint to this folder after every epoch.")
    var checkpoint: String?

    @Option(help: "Resume the run saved in this folder (it keeps checkpointing there unless --checkpoint says otherwise).")
    var resume: String?

    @Option(help: "Append one JSON line per epoch to this file.")
    var log: String?

    @Flag(help: "Print one JSON object at the end instead of text.")
    var json = false

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
    }

    func validate() throws {
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard lr.isFinite, lr > 0 else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        guard momentum >= 0, momentum < 1 else { throw ValidationError("--momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay >= 0, smoothness >= 0 else { throw ValidationError("--weight-decay and --smoothness must be ≥ 0") }
        if let f = subsample, !(f > 0 && f <= 1) { throw ValidationError("--subsample must be in (0, 1], got \(f)") }
        if let f = validation, !(f > 0 && f < 1) { throw ValidationError("--validation must be in (0, 1), got \(f)") }
        if let t = threads, t <= 0 { throw ValidationError("--threads must be positive, got \(t)") }
        if preset != nil && arch != nil { throw ValidationError("give --preset or --arch, not both") }
    }

    func architecture() throws -> Architecture {
        do {
            if let preset { return try Architecture.preset(preset, stepSize: stepSize, activation: activation) }
            func numbers(_ text: String, _ flag: String) throws -> [Int] {
                let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard values.allSatisfy({ $0 != nil }) else { throw CLIError("\(flag) must be integers separated by commas, got '\(text)'") }
                return values.map { $0! }
            }
            return try Architecture(block: arch ?? "hamiltonian", units: try numbers(units, "--units"), filters: try numbers(filters, "--filters"),
                                    stepSize: stepSize, activation: activation)
        } catch let e as ArchitectureError { throw CLIError(e.description) }
    }

    func run() throws {
        if let threads { BLASConfiguration.threads = threads }
        ConvolutionAlgorithm.current = convolution
        let started = DispatchTime.now().uptimeNanoseconds
        let resumed = try resume.map { try Checkpoint(folder: $0) }
        var configuration: TrainingConfiguration
        if let resumed {
            configuration = resumed.header.configuration
            if let epochs { configuration.epochs = max(configuration.epochs, epochs) }
        } else {
            let spec = try DatasetSpec(parsing: data)
            configuration = TrainingConfiguration(architecture: try architecture(), data: spec, epochs: epochs ?? 10,
                                                  augment: augment.map { $0 == .on } ?? spec.augmentsByDefault)
            configuration.batchSize = batchSize
            configuration.learningRate = Float(lr)
            configuration.momentum = Float(momentum)
            configuration.weightDecay = Float(weightDecay)
            configuration.smoothness = Float(smoothness)
            configuration.subsample = subsample
            configuration.validation = validation
            configuration.seed = seed
            configuration.backprop = backprop ?? (configuration.architecture.block == "resnet" ? .stored : .reversible)
        }
        if configuration.backprop == .reversible && configuration.architecture.block == "resnet" {
            throw CLIError("resnet blocks have no exact inverse step: use --backprop stored")
        }
        let (train, test) = try configuration.data.load()
        let trainer = try Trainer(configuration, train: train, test: test, resumeFrom: resumed)
        let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
        if !json {
            print("\(configuration.data): \(train.count) training, \(test.count) test images, \(train.channels)×\(train.height)×\(train.width), \(train.classes) classes")
            print("\(configuration.architecture.block) network, depth \(configuration.architecture.depth), \(trainer.network.parameterCount) parameters, \(configuration.backprop.rawValue) backprop"
                  + (resumed.map { ", resuming after epoch \($0.header.epoch)" } ?? ""))
        }
        try trainer.run(checkpointFolder: checkpoint ?? resume, log: log) { p in bar.update(p) }
        bar.finish()
        let last = trainer.history.last
        let report = Report(testAccuracy: trainer.accuracy(on: trainer.test), trainLoss: last?.trainLoss ?? .nan,
                            trainAccuracy: last?.trainAccuracy ?? .nan, epochs: trainer.epoch,
                            imagesPerSecond: trainer.history.isEmpty ? 0 : trainer.history.map(\.imagesPerSecond).reduce(0, +) / Double(trainer.history.count),
                            parameters: trainer.network.parameterCount, peakResidentMB: ProcessMemory.peakResidentMB,
                            architecture: configuration.architecture, data: configuration.data.description,
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        if json { return try Output.printJSON(report) }
        for r in trainer.history {
            print(String(format: "epoch %3d  loss %.4f  train %.2f%%  %@ %.2f%%  lr %.4g  %.0f images/s",
                         r.epoch, r.trainLoss, 100 * r.trainAccuracy, r.evaluatedOn, 100 * r.evaluationAccuracy, r.learningRate, r.imagesPerSecond))
        }
        print(String(format: "test accuracy %.2f%% after %d epochs (%.1f s, peak RSS %.0f MB)",
                     100 * report.testAccuracy, report.epochs, report.seconds, report.peakResidentMB))
    }
}

/// `dynamics evaluate`: the accuracy of a checkpoint on a data set's test images.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Test accuracy of a trained checkpoint.")

    @Option(help: "The checkpoint folder written by train --checkpoint.")
    var checkpoint: String

    @Option(help: "The data set (its test images are used).")
    var data: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Report: Codable {
        var testAccuracy: Double
        var images: Int
        var epoch: Int
    }

    func run() throws {
        let saved = try Checkpoint(folder: checkpoint)
        var (_, test) = try DatasetSpec(parsing: data).load()
        let h = saved.header
        guard test.channels == h.inputChannels, test.height == h.height, test.width == h.width, test.classes <= h.classes else {
            throw CLIError("\(data): images are \(test.channels)×\(test.height)×\(test.width) with \(test.classes) classes; the checkpoint was trained on \(h.inputChannels)×\(h.height)×\(h.width) with \(h.classes)")
        }
        test.standardize(mean: h.mean, std: h.std)
        let network = TrainableNetwork.make(h.configuration.architecture, inputChannels: h.inputChannels, classes: h.classes,
                                            seed: h.configuration.seed)
        try network.restore(saved.snapshot)
        let report = Report(testAccuracy: Trainer.accuracy(of: network, on: test, batchSize: h.configuration.batchSize),
                            images: test.count, epoch: h.epoch)
        if json { return try Output.printJSON(report) }
        print(String(format: "test accuracy %.2f%% on %d images (checkpoint after epoch %d)", 100 * report.testAccuracy, report.images, report.epoch))
    }
}

/// A one-line progress bar on stderr (only when it is a terminal).
final class ProgressBar {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: Trainer.Progress) {
        guard enabled else { return }
        let width = 24, filled = width * p.batch / p.batches
        // ETA of the run: the epoch's pace so far, over the batches left in all epochs.
        let left = Double((p.epochs - p.epoch) * p.batches + p.batches - p.batch)
        let eta = Int(p.seconds / Double(p.batch) * left)
        let line = String(format: "\repoch %d/%d [%@%@] %3d%%  loss %.4f  acc %.1f%%  %.0f img/s  ETA %d:%02d ",
                          p.epoch, p.epochs, String(repeating: "=", count: filled), String(repeating: " ", count: width - filled),
                          100 * p.batch / p.batches, p.loss, 100 * p.accuracy, p.imagesPerSecond, eta / 60, eta % 60)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
