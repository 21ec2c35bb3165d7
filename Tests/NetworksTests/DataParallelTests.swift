import Foundation
import Testing
@testable import Networks

/// Data-parallel training on ranks that are threads of this process (`LocalGroup`): the same
/// code as over MPI, checked against one process on the same global batches. Tolerances are
/// Float's: the ranks' sums are taken in another order than one process's (shard by shard),
/// so results agree to rounding, 1e-4 relative on gradients and losses (observed: about 1e-6).
@Suite("Data-parallel training")
struct DataParallelTests {
    static func configuration(_ block: Block, _ normalization: Normalization, batchSize: Int, epochs: Int = 2) throws -> TrainingConfiguration {
        var c = TrainingConfiguration(architecture: try Architecture(block: block, units: [1, 1, 1], filters: [4, 4, 8, 8],
                                                                     normalization: normalization,
                                                                     transitions: block.stridedTransitions ? .strided : .poolAndPad),
                                      data: try DatasetSpec(parsing: "synthetic:shapes"), epochs: epochs, augment: true)
        c.batchSize = batchSize
        c.learningRate = 0.05
        c.subsample = 0.1
        return c
    }

    /// max |a − b| / max |b| over all arrays.
    static func relativeDifference(_ a: [[Float]], _ b: [[Float]]) -> Double {
        let scale = b.joined().map { abs(Double($0)) }.max() ?? 0
        let difference = zip(a.joined(), b.joined()).map { abs(Double($0) - Double($1)) }.max() ?? 0
        return difference / max(scale, .leastNormalMagnitude)
    }

    /// A Sendable holder for the tests' data sets, shared by the rank threads (read only).
    struct Sets: @unchecked Sendable { var train: Dataset, test: Dataset }

    @Test("one step on 3 ranks (shards of 2, 2, 3 images) = one process on the 7: velocity, loss, running statistics",
          arguments: [(Block.hamiltonian, Normalization.batch), (.hamiltonian, .none), (.revnet, .batch), (.resnet, .batch), (.leapfrog, .batch)])
    func oneStep(block: Block, normalization: Normalization) throws {
        let architecture = try Self.configuration(block, normalization, batchSize: 7).architecture
        let (x, labels) = Tiny.batch(Float.self, count: 7)
        let step = TrainableNetwork.TrainingStep(rate: 0.1, backprop: .default(for: block))
        let whole = TrainableNetwork.make(architecture, inputChannels: 3, classes: 3, seed: 4, context: Tiny.trainingContext)
        let expected = try whole.step(images: x, labels: labels, step)
        let reference = whole.snapshot()
        let data = Batch(images: x, labels: labels)
        let results = try LocalGroup(size: 3).run { c in
            let replica = TrainableNetwork.make(architecture, inputChannels: 3, classes: 3, seed: 4, context: ComputeContext(threads: 1), replicas: c)
            let shard = Shard.range(count: 7, rank: c.rank, size: c.size)
            let r = try replica.step(images: data.images.images(shard), labels: Array(data.labels[shard]), step)
            return (r.loss, r.correct, replica.snapshot())
        }
        #expect(abs(results.map(\.0).reduce(0, +) - expected.loss) < 1e-5 * expected.loss)
        #expect(results.map(\.1).reduce(0, +) == expected.correct)
        for (_, _, snapshot) in results {
            #expect(Self.relativeDifference(snapshot.velocity, reference.velocity) < 1e-4)
            #expect(Self.relativeDifference([snapshot.runningMean, snapshot.runningVariance], [reference.runningMean, reference.runningVariance]) < 1e-5)
        }
        // The ranks are replicas: they hold the same state (summed gradients are the same on every rank).
        #expect(results.allSatisfy { $0.2.parameters == results[0].2.parameters })
    }

    struct Batch: @unchecked Sendable { var images: Tensor<Float>, labels: [Int] }

    /// Trains on `ranks` ranks and returns rank 0's history and final test accuracy (and checks
    /// that every rank ends with rank 0's weights).
    static func train(_ configuration: TrainingConfiguration, ranks: Int, folder: String? = nil, resume: Bool = false,
                      stoppingAfter: Int? = nil) throws
        -> (history: [EpochRecord], accuracy: Double, snapshot: NetworkSnapshot) {
        let (train, test) = try SyntheticData.load("shapes")
        let data = Sets(train: train, test: test)
        let results = try LocalGroup(size: ranks).run { c in
            let checkpoint = try resume ? Checkpoint(folder: folder!) : nil
            let trainer = try Trainer(checkpoint?.header.configuration ?? configuration, train: data.train, test: data.test,
                                      resumeFrom: checkpoint, context: Tiny.trainingContext, communicator: c)
            try trainer.run(checkpointFolder: folder, stoppingAfter: stoppingAfter)
            return (trainer.history, trainer.accuracy(on: trainer.test), trainer.network.snapshot())
        }
        #expect(results.allSatisfy { $0.2 == results[0].2 && $0.0.map(\.trainLoss) == results[0].0.map(\.trainLoss) },
                "every rank ends in rank 0's state, with the same figures")
        return results[0]
    }

    @Test("two epochs with augmentation on 1, 2 and 3 ranks (uneven shards, batch 31 of 200 images): the same loss curve to 1e-4 and the same accuracy",
          arguments: [Normalization.batch, .none])
    func training(normalization: Normalization) throws {
        let c = try Self.configuration(.hamiltonian, normalization, batchSize: 31)
        let one = try Self.train(c, ranks: 1)
        for ranks in [2, 3] {
            let many = try Self.train(c, ranks: ranks)
            for (a, b) in zip(many.history, one.history) {
                #expect(abs(a.trainLoss - b.trainLoss) <= 1e-4 * b.trainLoss, "\(ranks) ranks, epoch \(a.epoch)")
                #expect(a.trainAccuracy == b.trainAccuracy && a.evaluationAccuracy == b.evaluationAccuracy, "\(ranks) ranks, epoch \(a.epoch)")
            }
            #expect(many.accuracy == one.accuracy)
            #expect(Self.relativeDifference(many.snapshot.parameters, one.snapshot.parameters) < 1e-4)
        }
    }

    @Test("a last batch of 2 images on 3 ranks: the rank with none still takes part")
    func emptyShard() throws {
        // 200 images in batches of 66: the last holds 2.
        let c = try Self.configuration(.hamiltonian, .batch, batchSize: 66, epochs: 1)
        let one = try Self.train(c, ranks: 1), three = try Self.train(c, ranks: 3)
        #expect(abs(three.history[0].trainLoss - one.history[0].trainLoss) <= 1e-4 * one.history[0].trainLoss)
        #expect(Self.relativeDifference(three.snapshot.parameters, one.snapshot.parameters) < 1e-4)
    }

    @Test("a checkpoint written by 2 ranks resumes on 3 and on 1, ending as an uninterrupted run")
    func resumeAcrossRankCounts() throws {
        let c = try Self.configuration(.hamiltonian, .batch, batchSize: 31, epochs: 2)
        let straight = try Self.train(c, ranks: 1)
        for resumedOn in [3, 1] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-dp-\(getpid())-\(resumedOn)").path
            try? FileManager.default.removeItem(atPath: folder)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            _ = try Self.train(c, ranks: 2, folder: folder, stoppingAfter: 1)
            let resumed = try Self.train(c, ranks: resumedOn, folder: folder, resume: true)
            #expect(resumed.history.count == 2)
            #expect(abs(resumed.history[1].trainLoss - straight.history[1].trainLoss) <= 1e-4 * straight.history[1].trainLoss)
            #expect(Self.relativeDifference(resumed.snapshot.parameters, straight.snapshot.parameters) < 1e-4)
        }
    }

    @Test("a failure on some ranks stops every rank: the lowest failing rank's error there, PeerFailure naming it elsewhere")
    func agreement() throws {
        struct Broken: Error {}
        let outcomes = try LocalGroup(size: 4).run { c in
            Result { try c.agree { if c.rank == 1 || c.rank == 3 { throw Broken() } ; return c.rank } }
        }
        for rank in [0, 2, 3] {
            #expect(throws: PeerFailure(rank: 1)) { try outcomes[rank].get() }
        }
        #expect(throws: Broken.self) { try outcomes[1].get() }
        let fine = try LocalGroup(size: 2).run { c in try c.agree { c.rank * 10 } }
        #expect(fine == [0, 10])
    }

    @Test("shards: contiguous, sizes differing by at most one, covering the batch in rank order")
    func shards() {
        for count in [0, 1, 2, 7, 100, 101] {
            for size in 1...5 {
                let ranges = (0..<size).map { Shard.range(count: count, rank: $0, size: size) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect((ranges.map(\.count).max() ?? 0) - (ranges.map(\.count).min() ?? 0) <= 1)
            }
        }
    }
}
