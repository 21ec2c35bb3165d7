import Foundation
import Testing
@testable import Networks

@Suite("Training, checkpoints and resume")
struct TrainingTests {
    static func configuration(epochs: Int, normalization: Normalization = .none) throws -> TrainingConfiguration {
        var c = TrainingConfiguration(architecture: try Architecture(block: .hamiltonian, units: [1, 1, 1], filters: [4, 4, 8, 8],
                                                                     normalization: normalization),
                                      data: try DatasetSpec(parsing: "synthetic:shapes"), epochs: epochs, augment: false)
        c.batchSize = 50
        c.learningRate = 0.05
        c.subsample = 0.1
        return c
    }

    @Test("the learning rate drops ×0.1 at 50% and 75% of the steps")
    func schedule() throws {
        let c = try Self.configuration(epochs: 4)
        #expect(c.learningRate(step: 0, totalSteps: 100) == 0.05)
        #expect(c.learningRate(step: 50, totalSteps: 100) == 0.005)
        #expect(abs(c.learningRate(step: 75, totalSteps: 100) - 0.0005) < 1e-9)
    }

    /// With batch norm the checkpoint also carries the running statistics of the stem's and
    /// every unit's batch norms; a resumed run then matches bit for bit only if they round-trip.
    ///
    /// The first two runs take the tests' shared context (`Tiny.trainingContext`); the resumed
    /// run takes the checkpoint's threads.
    @Test("a resumed run ends with the same weights as an uninterrupted one; evaluation reads the checkpoint",
          arguments: Normalization.allCases)
    func resume(normalization: Normalization) throws {
        let (train, test) = try SyntheticData.load("shapes")
        let context = Tiny.trainingContext
        let straight = try Trainer(try Self.configuration(epochs: 3, normalization: normalization), train: train, test: test,
                                   context: context)
        try straight.run()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-ckpt-\(getpid())-\(normalization)").path
        try? FileManager.default.removeItem(atPath: folder)
        let first = try Trainer(try Self.configuration(epochs: 3, normalization: normalization), train: train, test: test,
                                context: context)
        try first.run(checkpointFolder: folder, stoppingAfter: 1)
        let saved = try Checkpoint(folder: folder)
        #expect(saved.header.epoch == 1)
        let resumed = try Trainer(saved.header.configuration, train: train, test: test, resumeFrom: saved)
        try resumed.run(checkpointFolder: folder)
        let same = resumed.network.snapshot() == straight.network.snapshot()
        #expect(same)
        let final = try Checkpoint(folder: folder)
        #expect(final.header.epoch == 3 && final.header.history.count == 3)
        let sameOnDisk = final.snapshot == straight.network.snapshot()
        #expect(sameOnDisk)
    }

    @Test("a diverging run stops with advice and leaves the last checkpoint intact")
    func divergence() throws {
        let (train, test) = try SyntheticData.load("shapes")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-div-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        let ok = try Trainer(try Self.configuration(epochs: 1), train: train, test: test, context: Tiny.trainingContext)
        try ok.run(checkpointFolder: folder)
        let before = try Data(contentsOf: URL(fileURLWithPath: Checkpoint.file(in: folder)))
        var c = try Self.configuration(epochs: 3)
        c.learningRate = 1e30
        let saved = try Checkpoint(folder: folder)
        let bad = try Trainer(c, train: train, test: test, resumeFrom: saved)
        do {
            try bad.run(checkpointFolder: folder)
            Issue.record("a learning rate of 1e30 did not diverge")
        } catch let e as TrainingError {
            #expect(e.epoch == 2 && e.description.contains("smaller step size h or learning rate"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: Checkpoint.file(in: folder))) == before)
    }

    @Test("a corrupt checkpoint is refused with its path")
    func corruptCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-bad-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("DYNCKPT1garbage".utf8).write(to: URL(fileURLWithPath: Checkpoint.file(in: folder)))
        #expect(throws: DatasetError.self) { try Checkpoint(folder: folder) }
    }
}
