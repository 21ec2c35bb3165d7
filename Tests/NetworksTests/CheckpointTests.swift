import Foundation
import Testing
@testable import Networks

/// Checkpoints are read as hostile input: a changed bit anywhere, or a header edited to
/// anything implausible, is refused with one `DatasetError`, before anything is allocated.
@Suite("Checkpoints refuse corruption")
struct CheckpointTests {
    static func saved() throws -> (data: Data, checkpoint: Checkpoint) {
        let (train, test) = try SyntheticData.load("shapes")
        var c = TrainingConfiguration(architecture: try Architecture(block: .midpoint, units: [1, 1, 1], filters: [2, 2, 4, 4]),
                                      data: try DatasetSpec(parsing: "synthetic:shapes"), epochs: 1, augment: false)
        c.subsample = 0.05
        let trainer = try Trainer(c, train: train, test: test, context: Tiny.trainingContext)
        try trainer.run()
        let checkpoint = Checkpoint(configuration: c, epoch: 1, inputChannels: train.channels, height: train.height, width: train.width,
                                    classes: train.classes, mean: trainer.mean, std: trainer.std, history: trainer.history, threads: 2,
                                    snapshot: trainer.network.snapshot())
        return (try checkpoint.encoded(), checkpoint)
    }

    @Test("a checkpoint reads back as written, thread count included")
    func roundTrip() throws {
        let (data, checkpoint) = try Self.saved()
        let read = try Checkpoint(data: data)
        #expect(read.snapshot == checkpoint.snapshot && read.header.threads == 2 && read.header.epoch == 1)
    }

    @Test("one flipped bit anywhere is refused: every byte of the header's start and end, and 300 random bits")
    func bitFlips() throws {
        let (data, _) = try Self.saved()
        var g = SeededGenerator(seed: 5)
        let positions = Array(0..<64) + Array((data.count - 16)..<data.count) + (0..<300).map { _ in Int.random(in: 0..<data.count, using: &g) }
        for (k, position) in positions.enumerated() {
            var bad = data
            bad[position] ^= UInt8(1 << (k % 8))
            #expect(throws: DatasetError.self, "bit \(k % 8) of byte \(position)") { try Checkpoint(data: bad) }
        }
    }

    /// The header edited and the checksum recomputed: what a well-formed but hostile file says.
    static func edited(_ data: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
        let bytes = [UInt8](data)
        var encoded: UInt64 = 0
        for k in 0..<8 { encoded |= UInt64(bytes[8 + k]) << UInt64(8 * k) }
        let length = Int(encoded)
        var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + length)])) as? [String: Any])
        edit(&header)
        let json = try JSONSerialization.data(withJSONObject: header)
        var out = Data(bytes[0..<8])
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(contentsOf: bytes[(16 + length)..<(bytes.count - 4)])
        withUnsafeBytes(of: Checkpoint.crc32(out).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    @Test("implausible headers are refused, with a valid checksum", arguments: [
        "negative length", "huge length", "empty mean", "two stages", "zero batch", "huge epochs", "huge width", "huge classes",
        "unknown block", "negative step", "momentum 5", "subsample 2", "epoch beyond epochs", "threads 0",
    ])
    func hostileHeaders(edit: String) throws {
        let (data, _) = try Self.saved()
        let bad = try Self.edited(data) { h in
            var c = h["configuration"] as! [String: Any], a = c["architecture"] as! [String: Any]
            switch edit {
            case "negative length": h["parameterLengths"] = [-1] + (h["parameterLengths"] as! [Int]).dropFirst()
            case "huge length": h["parameterLengths"] = [1 << 62] + (h["parameterLengths"] as! [Int]).dropFirst()
            case "empty mean": h["mean"] = [Float]()
            case "two stages": a["units"] = [1, 1]
            case "zero batch": c["batchSize"] = 0
            case "huge epochs": c["epochs"] = 1 << 62
            case "huge width": a["filters"] = [2, 2, 4, 1 << 31]
            case "huge classes": h["classes"] = 1 << 40
            case "unknown block": a["block"] = "foo"
            case "negative step": a["stepSize"] = -0.1
            case "momentum 5": c["momentum"] = 5
            case "subsample 2": c["subsample"] = 2
            case "epoch beyond epochs": h["epoch"] = 7
            default: h["threads"] = 0
            }
            c["architecture"] = a
            h["configuration"] = c
        }
        #expect(throws: DatasetError.self) { try Checkpoint(data: bad) }
    }

    @Test("a snapshot names its first non-finite part")
    func nonFinite() throws {
        var snapshot = try Self.saved().checkpoint.snapshot
        #expect(snapshot.nonFinitePart == nil)
        snapshot.runningVariance[0] = .infinity
        #expect(snapshot.nonFinitePart == "the batch-norm running variance")
    }

    @Test("each family's parameter count, computed without building, is the built network's")
    func parameterCounts() throws {
        for (block, normalization, transitions) in Tiny.variants {
            let a = try Architecture(block: block, units: [2, 1, 3], filters: [4, 4, 8, 12], normalization: normalization,
                                     transitions: transitions)
            let network = TrainableNetwork.make(a, inputChannels: 3, classes: 7, seed: 1)
            #expect(a.parameterCount(inputChannels: 3, classes: 7) == network.parameterCount, "\(block) \(normalization) \(transitions)")
            #expect(a.statisticsCount == network.snapshot().runningMean.count, "\(block) \(normalization) \(transitions)")
        }
    }
}
