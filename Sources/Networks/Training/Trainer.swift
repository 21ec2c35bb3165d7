import Foundation
import LinearAlgebra

/// What a training run does (Chang et al. 2018, §4: SGD with momentum 0.9, batch 100, learning
/// rate 0.1 divided by 10 at 50% and 75% of the steps, weight decay 2e-4, weight smoothness 2e-4).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public var architecture: Architecture
    public var data: DatasetSpec
    public var epochs: Int
    public var batchSize: Int = 100
    public var learningRate: Float = 0.1
    public var momentum: Float = 0.9
    public var weightDecay: Float = 2e-4
    public var smoothness: Float = 2e-4
    /// Keep this stratified fraction of the training set.
    public var subsample: Double?
    /// Hold out this stratified fraction of the training set and report accuracy on it.
    public var validation: Double?
    public var augment: Bool
    /// Reversible where the block allows it (`Backprop.default(for:)`).
    public var backprop: Backprop
    public var seed: UInt64 = 1

    public init(architecture: Architecture, data: DatasetSpec, epochs: Int, augment: Bool) {
        self.architecture = architecture
        self.data = data
        self.epochs = epochs
        self.augment = augment
        backprop = .default(for: architecture.block)
    }

    /// The learning rate at a step: η, then η/10 from 50% and η/100 from 75% of the steps.
    public func learningRate(step: Int, totalSteps: Int) -> Float {
        if step * 4 >= totalSteps * 3 { return learningRate / 100 }
        if step * 2 >= totalSteps { return learningRate / 10 }
        return learningRate
    }
}

/// One line of the training log.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// Accuracy on the validation split if there is one, else on the test set.
    public var evaluationAccuracy: Double
    public var evaluatedOn: String
    public var learningRate: Float
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// A training run that diverged, with what to try (in the library's terms; a front end names
/// its own flags for the step size and the learning rate).
public struct TrainingError: Error, Equatable, CustomStringConvertible {
    /// The epoch and batch (1-based) whose loss was not finite, the loss, and the learning rate then.
    public var epoch: Int, batch: Int, loss: Double, learningRate: Float

    public var description: String {
        "training diverged in epoch \(epoch), batch \(batch): the loss is \(loss). Try a smaller step size h or learning rate "
            + "(now \(learningRate)); the last checkpoint is unchanged"
    }
}

/// Trains a `TrainableNetwork` epoch by epoch, evaluating, logging and checkpointing.
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let network: TrainableNetwork
    public private(set) var train: Dataset
    public private(set) var evaluation: Dataset
    public let evaluatedOn: String
    public let test: Dataset
    public let mean: [Float]
    public let std: [Float]
    public private(set) var history: [EpochRecord] = []
    /// Epochs completed (restored from a checkpoint on resume).
    public private(set) var epoch = 0

    /// Progress within an epoch, for a progress bar.
    public struct Progress: Sendable {
        public var epoch: Int
        public var epochs: Int
        public var batch: Int
        public var batches: Int
        public var loss: Double
        public var accuracy: Double
        public var imagesPerSecond: Double
        /// Seconds since the epoch began.
        public var seconds: Double
    }

    /// Prepares the data (subsample, validation split, per-channel standardisation from the
    /// training images) and a fresh network, or the state of `checkpoint` to resume from.
    /// - Throws: `ArchitectureError` if the configuration asks reversible backpropagation of a
    ///   block without an exact inverse; `DatasetError` for images the network cannot take.
    public init(_ configuration: TrainingConfiguration, train fullTrain: Dataset, test: Dataset, resumeFrom checkpoint: Checkpoint? = nil,
                context: ComputeContext = ComputeContext()) throws {
        if configuration.backprop == .reversible && !configuration.architecture.block.isReversible {
            throw ArchitectureError.notReversible(configuration.architecture.block)
        }
        self.configuration = configuration
        var trainSet = fullTrain
        if let f = configuration.subsample { trainSet = trainSet.stratifiedSample(fraction: f, seed: configuration.seed) }
        var evaluation = test
        var evaluatedOn = "test"
        if let v = configuration.validation {
            (trainSet, evaluation) = trainSet.split(holdingOut: v, seed: configuration.seed &+ 1)
            evaluatedOn = "validation"
        }
        let (mean, std) = checkpoint.map { ($0.header.mean, $0.header.std) } ?? trainSet.channelStatistics()
        trainSet.standardize(mean: mean, std: std)
        evaluation.standardize(mean: mean, std: std)
        var testSet = test
        testSet.standardize(mean: mean, std: std)
        self.train = trainSet
        self.evaluation = evaluation
        self.evaluatedOn = evaluatedOn
        self.test = testSet
        self.mean = mean
        self.std = std
        guard fullTrain.height % 4 == 0, fullTrain.width % 4 == 0 else {
            throw DatasetError("\(configuration.data): images are \(fullTrain.height)×\(fullTrain.width); the networks downsample twice by 2, so both sides must be multiples of 4")
        }
        network = TrainableNetwork.make(configuration.architecture, inputChannels: fullTrain.channels, classes: fullTrain.classes,
                                        seed: configuration.seed, context: context)
        if let checkpoint {
            try network.restore(checkpoint.snapshot)
            epoch = checkpoint.header.epoch
            history = checkpoint.header.history
        }
    }

    var batchesPerEpoch: Int { (train.count + configuration.batchSize - 1) / configuration.batchSize }

    /// Runs the remaining epochs. After each: evaluation, one JSON line appended to `log`, and an
    /// atomic checkpoint in `checkpointFolder`. A non-finite loss stops the run with an error
    /// before anything of that epoch is written, so the last checkpoint stays intact.
    /// - Parameters:
    ///   - checkpointFolder: where the checkpoint is written after each epoch (nil: none).
    ///   - log: a file to which one JSON line per epoch is appended (nil: none).
    ///   - stoppingAfter: end after this many completed epochs (as if interrupted) instead of
    ///     `configuration.epochs`; the schedule still spans all configured epochs.
    ///   - progress: called after every batch, for a progress display.
    public func run(checkpointFolder: String? = nil, log: String? = nil, stoppingAfter: Int? = nil,
                    progress: ((Progress) -> Void)? = nil) throws {
        let total = configuration.epochs * batchesPerEpoch
        while epoch < min(configuration.epochs, stoppingAfter ?? configuration.epochs) {
            // One generator per epoch, derived from the seed: resuming replays the same batches.
            var g = SeededGenerator(seed: configuration.seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
            var order = Array(0..<train.count)
            order.shuffle(using: &g)
            let start = DispatchTime.now().uptimeNanoseconds
            var lossSum = 0.0, correct = 0, seen = 0
            var rate: Float = configuration.learningRate
            for b in 0..<batchesPerEpoch {
                let indices = order[(b * configuration.batchSize)..<min(train.count, (b + 1) * configuration.batchSize)]
                let images = Batches.tensor(train, indices: indices, augment: configuration.augment, using: &g)
                rate = configuration.learningRate(step: epoch * batchesPerEpoch + b, totalSteps: total)
                let step = TrainableNetwork.TrainingStep(rate: rate, momentum: configuration.momentum, weightDecay: configuration.weightDecay,
                                                         smoothness: configuration.smoothness, backprop: configuration.backprop)
                let result = try network.step(images: images, labels: indices.map { train.labels[$0] }, step)
                guard result.loss.isFinite else {
                    throw TrainingError(epoch: epoch + 1, batch: b + 1, loss: result.loss, learningRate: rate)
                }
                lossSum += result.loss * Double(indices.count)
                correct += result.correct
                seen += indices.count
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                progress?(Progress(epoch: epoch + 1, epochs: configuration.epochs, batch: b + 1, batches: batchesPerEpoch,
                                   loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                   imagesPerSecond: Double(seen) / seconds, seconds: seconds))
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            epoch += 1
            let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                     evaluationAccuracy: accuracy(on: evaluation), evaluatedOn: evaluatedOn, learningRate: rate,
                                     seconds: seconds, imagesPerSecond: Double(seen) / seconds)
            history.append(record)
            if let log { try Self.append(record, to: log) }
            if let checkpointFolder {
                try Checkpoint(configuration: configuration, epoch: epoch, inputChannels: train.channels, height: train.height,
                               width: train.width, classes: train.classes, mean: mean, std: std, history: history,
                               snapshot: network.snapshot()).write(to: checkpointFolder)
            }
        }
    }

    /// Accuracy of the current network on a (standardised) data set, evaluation mode.
    public func accuracy(on data: Dataset) -> Double { Self.accuracy(of: network, on: data, batchSize: configuration.batchSize) }

    public static func accuracy(of network: TrainableNetwork, on data: Dataset, batchSize: Int) -> Double {
        guard data.count > 0 else { return 0 }
        var g = SeededGenerator(seed: 0)
        var correct = 0
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let indices = start..<min(data.count, start + batchSize)
            let predicted = network.predict(Batches.tensor(data, indices: ArraySlice(indices), augment: false, using: &g))
            correct += zip(predicted, indices).filter { $0 == data.labels[$1] }.count
        }
        return Double(correct) / Double(data.count)
    }

    static func append(_ record: EpochRecord, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(record)
        line.append(0x0A)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw DatasetError(path, "cannot create the log file") }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw DatasetError(path, "cannot write the log file") }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(line)
    }
}
