import Foundation
import LinearAlgebra
import Testing
@testable import Networks

@Suite("safetensors: the format, and networks exported and read back")
struct WeightsFileTests {
    @Test("a file round-trips; its layout is the format's (8-byte length, JSON header padded to 8, tiled F32 buffer)")
    func roundTrip() throws {
        let file = SafeTensors(tensors: [("a.weight", .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])), ("b", .init(shape: [], values: [-0.5])),
                                         ("empty", .init(shape: [0, 4], values: []))],
                               metadata: ["format": "dynamics", "note": "ü"])
        let data = try file.encoded()
        let n = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect(n % 8 == 0 && data.count == 8 + n + 4 * 7)
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any])
        #expect((header["a.weight"] as? [String: Any])?["data_offsets"] as? [Int] == [0, 24])
        #expect((header["b"] as? [String: Any])?["dtype"] as? String == "F32")
        #expect(try SafeTensors(data: data, path: "x") == file)
    }

    /// Hand-built files with one thing wrong each: every one refused with the path, none traps.
    @Test("malformed files are refused by name", arguments: [
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8, "does not match"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "tile"),
        ("{\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "reads F32 and F64"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "does not match"),
        ("[1,2]", 0, "not a JSON object"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "cover"),
    ])
    func malformed(header: String, buffer: Int, expected: String) {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(Data(count: buffer))
        #expect { try SafeTensors(data: data, path: "bad.safetensors") } throws: { error in
            "\(error)".contains("bad.safetensors") && "\(error)".contains(expected)
        }
        var huge = Data()
        withUnsafeBytes(of: UInt64.max.littleEndian) { huge.append(contentsOf: $0) }
        #expect(throws: MatrixFileError.self) { try SafeTensors(data: huge + Data("{}".utf8), path: "huge") }
    }

    /// Every block, with and without batch norm and both transitions: the weights file holds
    /// every array once under its name, and a network read back computes the same logits bit for
    /// bit (the values are the same Floats).
    @Test("export and import: same logits bit for bit, names and shapes as documented", arguments: Tiny.variants)
    func exportImport(block: Block, normalization: Normalization, transitions: TransitionStyle) throws {
        let (checkpoint, test) = try TrainedSpectraTests.trained(block, activation: .relu, normalization: normalization, transitions: transitions)
        let file = try checkpoint.safeTensors()
        let values = file.tensors.map(\.tensor.values.count).reduce(0, +)
        let h = checkpoint.header
        #expect(values == checkpoint.snapshot.parameters.map(\.count).reduce(0, +) + 2 * checkpoint.snapshot.runningMean.count)
        #expect(file["stem.weight"]?.shape == [4, h.inputChannels, 3, 3])
        #expect(file["head.fc.weight"]?.shape == [h.classes, 8] && file["head.bn.running_var"]?.shape == [8])
        let back = try Checkpoint(safeTensors: try SafeTensors(data: try file.encoded(), path: "w"), path: "w")
        #expect(back.snapshot.parameters == checkpoint.snapshot.parameters && back.snapshot.runningMean == checkpoint.snapshot.runningMean)
        let a = TrainableNetwork.make(h.configuration.architecture, inputChannels: h.inputChannels, classes: h.classes, seed: 5)
        let b = TrainableNetwork.make(h.configuration.architecture, inputChannels: h.inputChannels, classes: h.classes, seed: 6)
        try a.restore(checkpoint.snapshot)
        try b.restore(back.snapshot)
        var g = SeededGenerator(seed: 0)
        let images = Batches.tensor(test, indices: ArraySlice(0..<4), augment: false, using: &g)
        #expect(a.logits(images) == b.logits(images))
    }

    @Test("a run initialised from a weights file starts from its weights, running statistics and standardisation; another architecture is refused")
    func initialWeights() throws {
        let (checkpoint, test) = try TrainedSpectraTests.trained(.resnet, activation: .relu, normalization: .batch)
        let file = try Checkpoint(safeTensors: try checkpoint.safeTensors(), path: "w")
        let (train, _) = try SyntheticData.load("circles")
        let trainer = try Trainer(checkpoint.header.configuration, train: train, test: test, initial: file, context: Tiny.trainingContext)
        let start = trainer.network.snapshot()
        #expect(start.parameters == checkpoint.snapshot.parameters && start.runningMean == checkpoint.snapshot.runningMean)
        #expect(start.velocity.allSatisfy { $0.allSatisfy { $0 == 0 } })
        #expect(trainer.mean == checkpoint.header.mean && trainer.std == checkpoint.header.std)
        var other = checkpoint.header.configuration
        other.architecture = try Tiny.architecture(.hamiltonian)
        #expect { try Trainer(other, train: train, test: test, initial: file) } throws: { "\($0)".contains("the initial weights are a resnet network") }
    }

    @Test("the classifier's weight is [classes, features] row-major; a missing, misshapen or extra tensor is refused by name")
    func layoutAndErrors() throws {
        let (checkpoint, _) = try TrainedSpectraTests.trained(.hamiltonian, activation: .tanh)
        let file = try checkpoint.safeTensors()
        let h = checkpoint.header
        var network = Network<HamiltonianFamily<Float>>(h.configuration.architecture, inputChannels: h.inputChannels, classes: h.classes, seed: 0)
        try network.restore(checkpoint.snapshot)
        let fc = try #require(file["head.fc.weight"])
        #expect(fc.values[1 * 8 + 5] == network.classifier.weights[1, 5])
        let conv = try #require(file["stage1.unit1.K1.weight"])
        // [out, in, 3, 3] with in = 2: K[co = 1, ci = 0, dy = 2, dx = 1] is at ((1·2 + 0)·3 + 2)·3 + 1 = 25
        // in the file, and at (ci·3 + dy)·3 + dx + co·(Cin·9) = 7 + 18 = 25 internally.
        let stored = network.units[0].velocityLayer.hidden.layer.conv.weights
        let exported: Float = conv.values[25], held: Float = stored[25]
        #expect(exported == held)
        var missing = file
        missing.tensors.removeAll { $0.name == "stage2.unit1.K2.weight" }
        #expect { try Checkpoint(safeTensors: missing, path: "w") } throws: { "\($0)".contains("no tensor 'stage2.unit1.K2.weight'") }
        var misshapen = file
        let k = try #require(misshapen.tensors.firstIndex { $0.name == "stem.bias" })
        misshapen.tensors[k].tensor = .init(shape: [2, 2], values: [0, 0, 0, 0])
        #expect { try Checkpoint(safeTensors: misshapen, path: "w") } throws: { "\($0)".contains("'stem.bias' has shape [2, 2]") }
        var extra = file
        extra.tensors.append(("stage9.unit1.K1.weight", .init(shape: [1], values: [0])))
        #expect { try Checkpoint(safeTensors: extra, path: "w") } throws: { "\($0)".contains("'stage9.unit1.K1.weight' is not part") }
        var noMetadata = file
        noMetadata.metadata = [:]
        #expect { try Checkpoint(safeTensors: noMetadata, path: "w") } throws: { "\($0)".contains("not written by dynamics export") }
    }
}
