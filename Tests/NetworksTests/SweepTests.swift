import Foundation
import Testing
@testable import Networks

@Suite("Sweeps: seeded grids of runs, resumable, summarised with paired intervals")
struct SweepTests {
    static func sweep(folder: String) throws -> Sweep {
        let spec = try DatasetSpec(parsing: "synthetic:circles")
        let entries = try [Block.hamiltonian, .resnet].map {
            Sweep.Entry(name: $0.rawValue, architecture: try Architecture(block: $0, units: [1, 1, 1], filters: [4, 4, 8, 8]))
        }
        var base = TrainingConfiguration(architecture: entries[0].architecture, data: spec, epochs: 1, augment: false)
        base.batchSize = 50
        base.learningRate = 0.05
        return try Sweep(entries: entries, fractions: [0.2], seeds: [1, 2], base: base, folder: folder)
    }

    @Test("on 3 ranks the cells are shared out (each run once, by rank r the cells r mod 3) and every rank returns all results, as one process")
    func sharedOut() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-sweep-ranks-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let single = try Self.sweep(folder: base + "/one"), shared = try Self.sweep(folder: base + "/three")
        let (train, test) = try single.base.data.load()
        let expected = try single.run(train: train, test: test, context: Tiny.trainingContext)
        struct Inputs: @unchecked Sendable { var sweep: Sweep, train: Dataset, test: Dataset }
        let inputs = Inputs(sweep: shared, train: train, test: test)
        let outcomes = try LocalGroup(size: 3).run { c in
            let started = StartedCells()
            let runs = try inputs.sweep.run(train: inputs.train, test: inputs.test, context: Tiny.trainingContext, communicator: c,
                                            started: { index, _, _ in started.append(index) })
            return (runs.map(\.testAccuracy), started.indices)
        }
        for (rank, (accuracies, started)) in outcomes.enumerated() {
            #expect(accuracies == expected.map(\.testAccuracy))
            #expect(started == expected.indices.filter { $0 % 3 == rank })
        }
    }

    /// The cells a rank started (written by its own thread only).
    final class StartedCells: @unchecked Sendable {
        var indices: [Int] = []
        func append(_ i: Int) { indices.append(i) }
    }

    @Test("every cell runs once; a second run reads the results; a lost result resumes from its checkpoint to the same accuracy")
    func resumable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-sweep-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        let sweep = try Self.sweep(folder: folder)
        let (train, test) = try sweep.base.data.load()
        var started = 0
        let first = try sweep.run(train: train, test: test, context: Tiny.trainingContext) { _, _, _ in started += 1 }
        #expect(first.count == 4 && started == 4)
        #expect(first.map(\.architecture) == ["hamiltonian", "hamiltonian", "resnet", "resnet"] && first.map(\.seed) == [1, 2, 1, 2])
        // The same seed draws the same training subset for both architectures.
        #expect(first[0].trainingImages == first[2].trainingImages)
        started = 0
        let again = try sweep.run(train: train, test: test, context: Tiny.trainingContext) { _, _, _ in started += 1 }
        #expect(again == first && started == 0)
        try FileManager.default.removeItem(atPath: "\(sweep.runFolder(sweep.cells[3]))/result.json")
        var resumed: [Bool] = []
        let third = try sweep.run(train: train, test: test, context: Tiny.trainingContext) { _, _, r in resumed.append(r) }
        #expect(resumed == [true] && third.map(\.testAccuracy) == first.map(\.testAccuracy))
        // A result of another configuration in the folder is refused, not reused.
        var other = sweep
        other.base.learningRate = 0.01
        #expect(throws: DatasetError.self) { try other.run(train: train, test: test, context: Tiny.trainingContext) }
        let summary = SweepSummary(third)
        #expect(summary.cells.count == 2 && summary.comparisons.count == 1)
        let paired = try #require(summary.comparisons.first)
        #expect(abs(paired.difference.mean - ((third[0].testAccuracy - third[2].testAccuracy) + (third[1].testAccuracy - third[3].testAccuracy)) / 2) < 1e-12)
    }

    @Test("bad grids are refused before anything runs")
    func refused() throws {
        let sweep = try Self.sweep(folder: "/nonexistent")
        #expect(throws: TrainingConfiguration.Invalid.self) {
            try Sweep(entries: sweep.entries, fractions: [0], seeds: [1], base: sweep.base, folder: "x")
        }
        #expect(throws: TrainingConfiguration.Invalid.self) {
            try Sweep(entries: sweep.entries + sweep.entries, fractions: [0.5], seeds: [1], base: sweep.base, folder: "x")
        }
        #expect(throws: TrainingConfiguration.Invalid.self) { try Sweep(entries: [], fractions: [0.5], seeds: [1], base: sweep.base, folder: "x") }
    }
}
