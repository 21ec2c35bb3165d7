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
    /// What weight decay and smoothness apply to; nil in checkpoints written before the option
    /// existed, whose runs regularised every parameter (`resolvedRegularization`).
    public var regularization: Regularization? = .weights
    /// Keep this stratified fraction of the training set.
    public var subsample: Double?
    /// Hold out this stratified fraction of the training set and report accuracy on it.
    public var validation: Double?
    public var augment: Bool
    /// Reversible where the block allows it (`Backprop.default(for:)`).
    public var backprop: Backprop
    /// The guard of reversible backpropagation; nil in checkpoints written before it existed
    /// (`resolvedReconstructionCheck`).
    public var reconstructionCheck: ReconstructionCheck? = ReconstructionCheck()
    public var seed: UInt64 = 1

    public init(architecture: Architecture, data: DatasetSpec, epochs: Int, augment: Bool) {
        self.architecture = architecture
        self.data = data
        self.epochs = epochs
        self.augment = augment
        backprop = .default(for: architecture.block)
    }

    /// What weight decay and smoothness apply to (`.allParameters` for runs from before the option).
    public var resolvedRegularization: Regularization { regularization ?? .allParameters }

    /// The reconstruction check (the default one for runs from before it existed: measuring
    /// never changes a step, so their resumed runs compute as before).
    public var resolvedReconstructionCheck: ReconstructionCheck { reconstructionCheck ?? ReconstructionCheck() }

    /// Epochs of a run, at most.
    public static let maximumEpochs = 1_000_000
    /// Images per batch, at most.
    public static let maximumBatchSize = 1 << 20

    /// A configuration value out of its range, in the library's terms.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Checks every value as user input: epochs and batch size in range, rates finite and in
    /// range, fractions in (0, 1] (`Invalid`); reversible backpropagation only for reversible
    /// blocks (`ArchitectureError.notReversible`).
    public func validate() throws {
        func check(_ ok: Bool, _ problem: @autoclosure () -> String) throws { if !ok { throw Invalid(description: problem()) } }
        try check((1...Self.maximumEpochs).contains(epochs), "epochs must be from 1 to \(Self.maximumEpochs), got \(epochs)")
        try check((1...Self.maximumBatchSize).contains(batchSize), "the batch size must be from 1 to \(Self.maximumBatchSize), got \(batchSize)")
        try check(learningRate.isFinite && learningRate > 0, "the learning rate must be positive, got \(learningRate)")
        try check(momentum >= 0 && momentum < 1, "the momentum must be in [0, 1), got \(momentum)")
        try check(weightDecay.isFinite && weightDecay >= 0, "the weight decay must be finite and ≥ 0, got \(weightDecay)")
        try check(smoothness.isFinite && smoothness >= 0, "the smoothness decay must be finite and ≥ 0, got \(smoothness)")
        try check(subsample.map { $0 > 0 && $0 <= 1 } ?? true, "the subsample fraction must be in (0, 1], got \(subsample ?? 0)")
        try check(validation.map { $0 > 0 && $0 < 1 } ?? true, "the validation fraction must be in (0, 1), got \(validation ?? 0)")
        let guardCheck = resolvedReconstructionCheck
        try check((0...ReconstructionCheck.maximumEvery).contains(guardCheck.every),
                  "the reconstruction check's interval must be from 0 (never) to \(ReconstructionCheck.maximumEvery) steps, got \(guardCheck.every)")
        try check(guardCheck.threshold.isFinite && guardCheck.threshold > 0,
                  "the reconstruction threshold must be a positive number, got \(guardCheck.threshold)")
        try ArchitectureError.check(backprop, for: architecture.block)
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
    /// What the reversible-training guard measured (nil: nothing measured or stored).
    public var reconstruction: ReconstructionRecord? = nil
}

/// A training run that diverged, with what to try (in the library's terms; a front end names
/// its own flags for the step size and the learning rate).
public struct TrainingError: Error, Equatable, CustomStringConvertible {
    /// The epoch (1-based) that diverged, what went non-finite ("the loss is nan in batch 3",
    /// "the batch-norm running variance"), and the learning rate then.
    public var epoch: Int, what: String, learningRate: Float

    public var description: String {
        "training diverged in epoch \(epoch): \(what). Try a smaller step size h or learning rate "
            + "(now \(learningRate)); the last checkpoint is unchanged"
    }
}

/// A run stopped on request (a signal) between batches: the epochs completed are in the last
/// checkpoint, nothing of the unfinished one was written.
public struct TrainingInterrupted: Error, Equatable {
    public var completedEpochs: Int
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
    /// What the network computes with; its thread count is saved in checkpoints.
    public let context: ComputeContext
    /// The reconstruction check's state: segments stored after failing it (saved in checkpoints,
    /// so a resumed run stores the same ones).
    private var monitor: ReconstructionMonitor
    /// Segments (by first unit) that keep their inputs after failing the reconstruction check.
    public var storedSegments: Set<Int> { monitor.storedSegments }
    /// The ranks of a data-parallel run (nil, or one rank: this process alone).
    public let communicator: (any Communicator)?
    /// Whether this process writes checkpoints and logs (rank 0, or the only process).
    public var isLead: Bool { (communicator?.rank ?? 0) == 0 }

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
    /// training images) and a fresh network, or the state of `checkpoint` to resume from, or a
    /// fresh run starting from `initial`'s weights and standardisation (a weights file,
    /// `Checkpoint(weightsFile:)`; momentum starts at zero).
    ///
    /// Without a `context`, a resumed run takes the checkpoint's worker threads (which fixed how
    /// batches were cut, and so the rounding: a resumed run then matches an uninterrupted one bit
    /// for bit), a fresh one BLAS's thread count at the time of the call.
    ///
    /// With a `communicator` of several ranks, this is one rank of a data-parallel run: every
    /// rank makes its trainer with the same arguments; each step's global batch
    /// (`configuration.batchSize` images, shuffled and augmented as one process would) is
    /// split into `Shard`s, batch norm takes its statistics over all of them and the gradient
    /// is summed across the ranks (`TrainableNetwork.make(…replicas:)`), so the run equals one
    /// process on the same batches up to the order of floating-point sums. A checkpoint
    /// records the rank count (`Checkpoint.Header.ranks`) and resumes on any number of ranks.
    /// - Throws: `TrainingConfiguration.Invalid` or `ArchitectureError` for a configuration out of
    ///   range (`TrainingConfiguration.validate`) or too large for memory; `DatasetError` for
    ///   images the network cannot take.
    public init(_ configuration: TrainingConfiguration, train fullTrain: Dataset, test: Dataset, resumeFrom checkpoint: Checkpoint? = nil,
                initial: Checkpoint? = nil, context: ComputeContext? = nil, communicator: (any Communicator)? = nil) throws {
        try configuration.validate()
        self.communicator = communicator
        try configuration.architecture.checkMemory(inputChannels: fullTrain.channels, classes: fullTrain.classes)
        self.configuration = configuration
        self.context = context ?? ComputeContext(threads: checkpoint?.header.threads)
        var trainSet = fullTrain
        if let f = configuration.subsample { trainSet = trainSet.stratifiedSample(fraction: f, seed: configuration.seed) }
        var evaluation = test
        var evaluatedOn = "test"
        if let v = configuration.validation {
            (trainSet, evaluation) = trainSet.split(holdingOut: v, seed: configuration.seed &+ 1)
            evaluatedOn = "validation"
        }
        if let h = initial?.header {
            guard h.configuration.architecture == configuration.architecture, h.inputChannels == fullTrain.channels,
                  h.height == fullTrain.height, h.width == fullTrain.width, h.classes == fullTrain.classes else {
                throw DatasetError("the initial weights are a \(h.configuration.architecture.block.rawValue) network for \(h.inputChannels)×\(h.height)×\(h.width) images "
                                   + "of \(h.classes) classes; \(configuration.data) has \(fullTrain.channels)×\(fullTrain.height)×\(fullTrain.width) of \(fullTrain.classes)")
            }
        }
        let (mean, std) = (checkpoint ?? initial).map { ($0.header.mean, $0.header.std) } ?? trainSet.channelStatistics()
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
        try configuration.architecture.checkInput(height: fullTrain.height, width: fullTrain.width)
        network = TrainableNetwork.make(configuration.architecture, inputChannels: fullTrain.channels, classes: fullTrain.classes,
                                        seed: configuration.seed, context: self.context, replicas: communicator)
        let stored = Set(checkpoint?.header.storedSegments ?? [])
        guard stored.isSubset(of: network.segments.map(\.lowerBound)) else {
            throw ArchitectureError(.units, "the checkpoint stores segments starting at units \(stored.sorted()), but this architecture's segments start at \(network.segments.map(\.lowerBound))")
        }
        monitor = ReconstructionMonitor(check: configuration.resolvedReconstructionCheck, segments: network.segments, storedSegments: stored)
        if let checkpoint {
            try network.restore(checkpoint.snapshot)
            epoch = checkpoint.header.epoch
            history = checkpoint.header.history
        } else if let initial {
            try network.restore(initial.snapshot)
        }
    }

    /// Steps per epoch (the last batch may be smaller).
    public var batchesPerEpoch: Int { (train.count + configuration.batchSize - 1) / configuration.batchSize }

    /// Runs the remaining epochs. After each: evaluation, one JSON line appended to `log`, and an
    /// atomic checkpoint in `checkpointFolder`. A non-finite loss stops the run with an error
    /// before anything of that epoch is written, so the last checkpoint stays intact. Sets
    /// BLAS's (process-wide) thread count to the context's, which fixes the rounding
    /// (`ComputeContext`).
    ///
    /// In a data-parallel run every rank calls `run` with the same arguments; rank 0 alone
    /// takes the folder's lock and writes the checkpoint and the log, and the callbacks get
    /// the figures of the whole batch on every rank. What fails on one rank only (a log that
    /// cannot be written, a full disk) stops all ranks together (`Communicator.agree`), and
    /// so does a stop requested on any rank.
    /// - Parameters:
    ///   - checkpointFolder: where the checkpoint is written after each epoch (nil: none).
    ///   - log: a file to which one JSON line per epoch is appended (nil: none).
    ///   - stoppingAfter: end after this many completed epochs (as if interrupted) instead of
    ///     `configuration.epochs`; the schedule still spans all configured epochs.
    ///   - progress: called after every batch, for a progress display.
    ///   - epochEnded: called with each epoch's record once its checkpoint and log line are written.
    ///   - reconstructionWarning: called when a segment's rebuilt input fails the reconstruction
    ///     check (once per segment and epoch; `ReconstructionCheck`).
    ///   - shouldStop: asked between batches; when it returns true the run stops there, before
    ///     anything of the unfinished epoch is written, and throws `TrainingInterrupted`.
    /// - Throws: `DatasetError` for an output that cannot be written (checked before any work),
    ///   `TrainingError` when the run diverges, `TrainingInterrupted` when stopped,
    ///   `PeerFailure` when another rank failed.
    public func run(checkpointFolder: String? = nil, log: String? = nil, stoppingAfter: Int? = nil,
                    progress: ((Progress) -> Void)? = nil, epochEnded: ((EpochRecord) -> Void)? = nil,
                    reconstructionWarning: ((ReconstructionWarning) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws {
        let (checkpointFolder, log) = isLead ? (checkpointFolder, log) : (nil, nil)
        let lock = try agreed { () throws -> RunLock? in
            let lock = try checkpointFolder.map { try RunLock(folder: $0) }
            if let log {
                try TrainingLog.checkWritable(log)
                try TrainingLog.sync(log, with: history)
            }
            return lock
        }
        defer { withExtendedLifetime(lock) {} }
        if BLASConfiguration.threads != context.threads { BLASConfiguration.threads = context.threads }
        let total = configuration.epochs * batchesPerEpoch
        let (rank, ranks) = (communicator?.rank ?? 0, communicator?.size ?? 1)
        while epoch < min(configuration.epochs, stoppingAfter ?? configuration.epochs) {
            // One generator per epoch, derived from the seed: resuming replays the same batches.
            var g = SeededGenerator(seed: configuration.seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
            var order = Array(0..<train.count)
            order.shuffle(using: &g)
            let start = DispatchTime.now().uptimeNanoseconds
            var lossSum = 0.0, correct = 0, seen = 0
            var rate: Float = configuration.learningRate
            for b in 0..<batchesPerEpoch {
                let stop = shouldStop?() == true
                if ranks > 1 ? communicator!.any(stop) : stop { throw TrainingInterrupted(completedEpochs: epoch) }
                let indices = order[(b * configuration.batchSize)..<min(train.count, (b + 1) * configuration.batchSize)]
                let shard = Shard.range(count: indices.count, rank: rank, size: ranks)
                let images = Batches.tensor(train, indices: indices, augment: configuration.augment, using: &g, keeping: shard)
                let stepIndex = epoch * batchesPerEpoch + b
                rate = configuration.learningRate(step: stepIndex, totalSteps: total)
                let step = TrainableNetwork.TrainingStep(rate: rate, momentum: configuration.momentum, weightDecay: configuration.weightDecay,
                                                         smoothness: configuration.smoothness,
                                                         regularization: configuration.resolvedRegularization, backprop: configuration.backprop,
                                                         rebuild: monitor.plan(step: stepIndex))
                let labels = shard.map { train.labels[indices[indices.startIndex + $0]] }
                let result = combined(try network.step(images: images, labels: labels, step))
                guard result.loss.isFinite else {
                    throw TrainingError(epoch: epoch + 1, what: "the loss is \(result.loss) in batch \(b + 1)", learningRate: rate)
                }
                monitor.record(result.reconstruction, epoch: epoch + 1, batch: b + 1).forEach { reconstructionWarning?($0) }
                lossSum += result.loss * Double(indices.count)
                correct += result.correct
                seen += indices.count
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                progress?(Progress(epoch: epoch + 1, epochs: configuration.epochs, batch: b + 1, batches: batchesPerEpoch,
                                   loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                   imagesPerSecond: Double(seen) / seconds, seconds: seconds))
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            // The divergence guard covers the whole state, not only the loss: nothing
            // non-finite reaches a checkpoint.
            let snapshot = try synchronizedSnapshot()
            if let what = snapshot.nonFinitePart {
                throw TrainingError(epoch: epoch + 1, what: "\(what) is not finite", learningRate: rate)
            }
            let record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                     evaluationAccuracy: accuracy(on: evaluation), evaluatedOn: evaluatedOn, learningRate: rate,
                                     seconds: seconds, imagesPerSecond: Double(seen) / seconds, reconstruction: monitor.finishEpoch())
            epoch += 1
            history.append(record)
            // Checkpoint first, then the log: a kill between the two leaves the log one epoch
            // short, and `TrainingLog.sync` appends it from the checkpoint's history on resume.
            try agreed {
                if let checkpointFolder {
                    try Checkpoint(configuration: configuration, epoch: epoch, inputChannels: train.channels, height: train.height,
                                   width: train.width, classes: train.classes, mean: mean, std: std, history: history,
                                   threads: context.threads, storedSegments: storedSegments.sorted(), ranks: communicator?.size ?? 1,
                                   snapshot: snapshot).write(to: checkpointFolder)
                }
                if let log { try TrainingLog.append([record], to: log) }
            }
            epochEnded?(record)
        }
    }

    /// `body`, made every rank's outcome in a data-parallel run (`Communicator.agree`).
    private func agreed<R>(_ body: () throws -> R) throws -> R {
        guard let communicator, communicator.isDistributed else { return try body() }
        return try communicator.agree(body)
    }

    /// A step's result for the whole batch: in a data-parallel run, the ranks' shares of the
    /// loss and their correct predictions summed, and each segment's largest reconstruction
    /// error over the ranks (so every rank's monitor decides alike).
    private func combined(_ result: TrainableNetwork.StepResult) -> TrainableNetwork.StepResult {
        guard let communicator, communicator.isDistributed else { return result }
        var r = result
        let sums = communicator.sum([result.loss, Double(result.correct)])
        (r.loss, r.correct) = (sums[0], Int(sums[1]))
        let keys = result.reconstruction.keys.sorted()
        var errors = keys.map { result.reconstruction[$0]! }
        errors.withUnsafeMutableBufferPointer { communicator.allReduceMax($0) }
        r.reconstruction = Dictionary(uniqueKeysWithValues: zip(keys, errors))
        return r
    }

    /// The network's state; in a data-parallel run rank 0's, given to every rank. The ranks
    /// computed the same steps from the same sums, so this only removes any difference in the
    /// last bits that an MPI library's reduction order could leave between them.
    private func synchronizedSnapshot() throws -> NetworkSnapshot {
        var snapshot = network.snapshot()
        guard let communicator, communicator.isDistributed else { return snapshot }
        for k in snapshot.parameters.indices { communicator.broadcast(&snapshot.parameters[k], from: 0) }
        for k in snapshot.velocity.indices { communicator.broadcast(&snapshot.velocity[k], from: 0) }
        communicator.broadcast(&snapshot.runningMean, from: 0)
        communicator.broadcast(&snapshot.runningVariance, from: 0)
        if communicator.rank != 0 { try network.restore(snapshot) }
        return snapshot
    }

    /// Accuracy of the current network on a (standardised) data set, evaluation mode; in a
    /// data-parallel run each rank evaluates its share of the images.
    public func accuracy(on data: Dataset) -> Double {
        Self.accuracy(of: network, on: data, batchSize: configuration.batchSize, communicator: communicator)
    }

    /// The accuracy of `network` on `data`, evaluated in batches; with a `communicator`, each
    /// rank evaluates its `Shard` of the images and the counts are summed.
    public static func accuracy(of network: TrainableNetwork, on data: Dataset, batchSize: Int, communicator: (any Communicator)? = nil) -> Double {
        guard data.count > 0 else { return 0 }
        var g = SeededGenerator(seed: 0)
        var correct = 0
        let mine = communicator.map { Shard.range(count: data.count, rank: $0.rank, size: $0.size) } ?? 0..<data.count
        for start in stride(from: mine.lowerBound, to: mine.upperBound, by: batchSize) {
            let indices = start..<min(mine.upperBound, start + batchSize)
            let predicted = network.predict(Batches.tensor(data, indices: ArraySlice(indices), augment: false, using: &g))
            correct += zip(predicted, indices).filter { $0 == data.labels[$1] }.count
        }
        if let communicator, communicator.isDistributed { correct = Int(communicator.sum([Double(correct)])[0]) }
        return Double(correct) / Double(data.count)
    }
}
