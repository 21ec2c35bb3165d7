import Foundation
import LinearAlgebra
import Testing
@testable import Networks

/// One reversible gradient of a fresh network (its units' weights scaled by `scale`) under a
/// `RebuildPlan`, with the plain reversible and stored gradients beside it.
struct RebuildProbe<Scalar: BLASScalar>: NetworkExperiment {
    struct Outcome {
        var planned: [Scalar], reversible: [Scalar], stored: [Scalar]
        var reconstruction: [Int: Double]
        var segments: [Range<Int>]
    }

    var batch: GradientCheckBatch<Scalar>
    var plan: RebuildPlan
    var scale: Scalar = 1

    func run<F: BlockFamily>(_: F.Type) -> Outcome? where F.Scalar == Scalar { nil }

    func run<F: ReversibleBlockFamily>(reversible family: F.Type) -> Outcome? where F.Scalar == Scalar {
        var network = batch.network(family)
        for j in network.units.indices { network.units[j].visitParameters { $0 = $0.map { $0 * scale } } }
        var a = network, b = network, c = network
        var g = NetworkGradient(zeroFor: network)
        let reconstruction = a.accumulateGradient(images: batch.images, labels: batch.labels, rebuilding: plan, into: &g).reconstruction
        return Outcome(planned: GradientCheck.flatten(g),
                       reversible: GradientCheck.flatten(b.gradient(images: batch.images, labels: batch.labels, backprop: .reversible).gradient),
                       stored: GradientCheck.flatten(c.gradient(images: batch.images, labels: batch.labels, backprop: .stored).gradient),
                       reconstruction: reconstruction, segments: network.segments)
    }
}

@Suite("The reversible-training guard: reconstruction measured, segments stored on failure")
struct ReconstructionCheckTests {
    static func probe<T: BLASScalar>(_: T.Type, _ block: Block, _ normalization: Normalization, _ transitions: TransitionStyle,
                                     plan: RebuildPlan, scale: T = 1) throws -> RebuildProbe<T>.Outcome {
        let (x, y) = Tiny.batch(T.self)
        let architecture = try Tiny.architecture(block, normalization, transitions)
        return try #require(try architecture.run(RebuildProbe(batch: GradientCheckBatch(architecture: architecture, images: x, labels: y,
                                                                                          classes: 3, seed: 1), plan: plan, scale: scale)))
    }

    /// In Double the inverse steps rebuild to rounding: a few units of ε·(growth) ≈ 1e-15; the
    /// bound 1e-11 leaves four orders for the growth of these random units at h = 0.3 or 1.
    @Test("every rebuilt segment is measured, to rounding in Double, and measuring leaves the gradient bit for bit",
          arguments: Tiny.reversibleVariants)
    func measuredWithoutChange(block: Block, normalization: Normalization, transitions: TransitionStyle) throws {
        let outcome = try Self.probe(Double.self, block, normalization, transitions, plan: RebuildPlan(measure: true))
        #expect(Set(outcome.reconstruction.keys) == Set(outcome.segments.map(\.lowerBound)))
        for (k, error) in outcome.reconstruction {
            #expect(error >= 0 && error < 1e-11, "\(block) \(normalization) \(transitions): segment at \(k): \(error)")
        }
        #expect(outcome.planned == outcome.reversible)
    }

    @Test("stored segments are not measured; with every segment stored the gradient is stored backprop's bit for bit",
          arguments: Tiny.reversibleVariants)
    func storedSegments(block: Block, normalization: Normalization, transitions: TransitionStyle) throws {
        let starts = try Self.probe(Float.self, block, normalization, transitions, plan: RebuildPlan()).segments.map(\.lowerBound)
        let all = try Self.probe(Float.self, block, normalization, transitions, plan: RebuildPlan(storedSegments: Set(starts), measure: true))
        #expect(all.reconstruction.isEmpty)
        #expect(all.planned == all.stored)
        let first = try Self.probe(Float.self, block, normalization, transitions,
                                   plan: RebuildPlan(storedSegments: [starts[0]], measure: true))
        #expect(Set(first.reconstruction.keys) == Set(starts.dropFirst()))
    }

    /// Units with weights ×25 at h = 0.3 amplify rounding at each inverse step (measured,
    /// worst segment: Float 8.0e-4, Double 2.1e-13; ×3: 8.2e-7 and 2.0e-15): the check sees in
    /// Float what the default threshold is for, and in Double that it is the arithmetic, not
    /// the method.
    @Test("an expanding network fails the default threshold in Float, not in Double")
    func expandingNetworkFails() throws {
        let threshold = ReconstructionCheck().threshold
        let float = try Self.probe(Float.self, .hamiltonian, .none, .poolAndPad, plan: RebuildPlan(measure: true), scale: 25)
        let double = try Self.probe(Double.self, .hamiltonian, .none, .poolAndPad, plan: RebuildPlan(measure: true), scale: 25)
        let worstFloat = try #require(float.reconstruction.values.max()), worstDouble = try #require(double.reconstruction.values.max())
        #expect(ReconstructionCheck().exceeds(worstFloat), "float \(worstFloat)")
        #expect(worstDouble < threshold, "double \(worstDouble)")
    }

    @Test("the monitor: one warning per segment and epoch without fallback; with it, failing segments are stored and no longer measured")
    func monitor() {
        let segments = [0..<3, 3..<5, 5..<6]
        var warn = ReconstructionMonitor(check: ReconstructionCheck(every: 1, threshold: 1e-4), segments: segments, storedSegments: [])
        #expect(warn.record([0: 1e-8, 3: 2e-4, 5: .nan], epoch: 1, batch: 1).map(\.units) == [3...4, 5...5])
        #expect(warn.record([0: 1e-8, 3: 3e-4, 5: 1e-9], epoch: 1, batch: 2).isEmpty)
        let record = warn.finishEpoch()
        #expect(record?.measuredSteps == 2)
        #expect(record?.segments.map(\.exceeded) == [0, 2, 1])
        #expect(record?.segments.map(\.worst) == [1e-8, 3e-4, .greatestFiniteMagnitude])
        #expect(warn.storedSegments.isEmpty && warn.plan(step: 7).measure)
        #expect(warn.record([3: 2e-4], epoch: 2, batch: 1).count == 1)

        var fallback = ReconstructionMonitor(check: ReconstructionCheck(every: 4, threshold: 1e-4, fallback: true), segments: segments,
                                             storedSegments: [])
        #expect(fallback.record([0: 1e-3, 3: 1e-8, 5: 1e-8], epoch: 1, batch: 1).map(\.stored) == [true])
        #expect(fallback.plan(step: 4) == RebuildPlan(storedSegments: [0], measure: true))
        #expect(!fallback.plan(step: 5).measure)
        #expect(fallback.finishEpoch()?.segments.map(\.stored) == [true, false, false])
        #expect(fallback.finishEpoch()?.segments.map(\.units) == [[0, 2]])
        #expect(ReconstructionCheck(every: 0).measures(atStep: 0) == false)
    }

    /// A threshold no rounding can meet makes every segment fail at the first measured step.
    @Test("a run with fallback stores the failing segments, logs them per epoch, saves them in the checkpoint and resumes with them, bit for bit")
    func fallbackRun() throws {
        let (train, test) = try SyntheticData.load("shapes")
        var configuration = try TrainingTests.configuration(epochs: 2)
        configuration.reconstructionCheck = ReconstructionCheck(every: 3, threshold: 1e-30, fallback: true)
        let straight = try Trainer(configuration, train: train, test: test, context: Tiny.trainingContext)
        var warnings: [ReconstructionWarning] = []
        try straight.run(reconstructionWarning: { warnings.append($0) })
        let starts = straight.network.segments.map(\.lowerBound)
        #expect(warnings.map(\.units.lowerBound) == starts && warnings.allSatisfy { $0.epoch == 1 && $0.batch == 1 && $0.stored })
        #expect(straight.storedSegments == Set(starts))
        #expect(straight.history[0].reconstruction?.segments.allSatisfy { $0.stored && $0.exceeded == 1 } == true)
        #expect(straight.history[1].reconstruction?.segments.allSatisfy { $0.stored && $0.worst == nil } == true)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-guard-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try Trainer(configuration, train: train, test: test, context: Tiny.trainingContext)
        try first.run(checkpointFolder: folder, stoppingAfter: 1)
        let saved = try Checkpoint(folder: folder)
        #expect(saved.header.storedSegments == starts)
        let resumed = try Trainer(saved.header.configuration, train: train, test: test, resumeFrom: saved)
        #expect(resumed.storedSegments == Set(starts))
        try resumed.run()
        #expect(resumed.network.snapshot() == straight.network.snapshot())
    }

    @Test("without fallback a failing run warns once per segment and epoch and keeps rebuilding; an out-of-range check is refused")
    func warningOnly() throws {
        let (train, test) = try SyntheticData.load("shapes")
        var configuration = try TrainingTests.configuration(epochs: 2)
        configuration.reconstructionCheck = ReconstructionCheck(every: 1, threshold: 1e-30)
        let trainer = try Trainer(configuration, train: train, test: test, context: Tiny.trainingContext)
        var warnings: [ReconstructionWarning] = []
        try trainer.run(reconstructionWarning: { warnings.append($0) })
        let segments = trainer.network.segments.count
        #expect(warnings.count == 2 * segments && warnings.allSatisfy { !$0.stored && $0.batch == 1 })
        #expect(trainer.storedSegments.isEmpty)
        #expect(trainer.history.allSatisfy { $0.reconstruction?.measuredSteps == trainer.batchesPerEpoch })
        for bad in [ReconstructionCheck(every: -1), ReconstructionCheck(threshold: 0), ReconstructionCheck(threshold: .nan)] {
            configuration.reconstructionCheck = bad
            #expect(throws: TrainingConfiguration.Invalid.self) { try configuration.validate() }
        }
    }
}
