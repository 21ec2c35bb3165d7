import Foundation
import LinearAlgebra

/// A trained network as a safetensors file (`dynamics export`): every parameter and running
/// statistic named and shaped as the layers use them (`NamedParameters`: `stem.weight`,
/// `stage1.unit1.K1.weight` [out, in, 3, 3], …, `head.fc.weight` [classes, features]), and in
/// `__metadata__` the training configuration (architecture included), the input's shape, the
/// classes, the per-channel standardisation, the resolved step size h and the batch norms' ε,
/// each a string (the format allows only strings there). No optimiser state: a file is for inference, analysis and initialisation,
/// a checkpoint for resuming.
extension Checkpoint {
    /// The metadata keys.
    enum WeightsKey {
        static let format = "format", configuration = "dynamics.configuration", input = "dynamics.input"
        static let mean = "dynamics.mean", std = "dynamics.std", epoch = "dynamics.epoch"
        /// Resolved here so a reader need not know the defaults: h, and the batch norms' ε.
        static let stepSize = "dynamics.step_size", epsilon = "dynamics.batchnorm_epsilon"
    }

    /// What the input was: channels, height, width, and the classes.
    struct InputShape: Codable { var channels: Int, height: Int, width: Int, classes: Int }

    /// The checkpoint's network as named tensors with its configuration.
    public func safeTensors() throws -> SafeTensors {
        let tensors = try header.configuration.architecture.run(NamedExport(checkpoint: self))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let h = header
        return SafeTensors(tensors: tensors, metadata: [
            WeightsKey.format: "dynamics",
            WeightsKey.configuration: try json(h.configuration),
            WeightsKey.input: try json(InputShape(channels: h.inputChannels, height: h.height, width: h.width, classes: h.classes)),
            WeightsKey.mean: try json(h.mean), WeightsKey.std: try json(h.std), WeightsKey.epoch: String(h.epoch),
            WeightsKey.stepSize: String(h.configuration.architecture.resolvedStepSize),
            WeightsKey.epsilon: String(Double(BatchNormLayer<Float>.epsilon)),
        ])
    }

    /// A checkpoint from a file `safeTensors()` wrote (no momentum; the history left empty):
    /// every tensor must be there with its shape, and no other. Checked as a checkpoint is.
    /// - Throws: `DatasetError` naming `path` and what is missing, extra or misshapen.
    public init(safeTensors file: SafeTensors, path: String) throws {
        func fail(_ problem: String) -> DatasetError { DatasetError(path, problem) }
        func decode<T: Decodable>(_ key: String, as _: T.Type) throws -> T {
            guard let text = file.metadata[key] else { throw fail("no '\(key)' in its metadata: not written by dynamics export") }
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
                throw fail("its metadata '\(key)' is not valid (\(String(describing: error).printable.prefix(160)))")
            }
        }
        let configuration = try decode(WeightsKey.configuration, as: TrainingConfiguration.self)
        let input = try decode(WeightsKey.input, as: InputShape.self)
        let mean = try decode(WeightsKey.mean, as: [Float].self), std = try decode(WeightsKey.std, as: [Float].self)
        let a = configuration.architecture
        // The file holds every parameter, so the network its metadata names cannot be much larger
        // than its values: refused before that network is built (a tensor or two short is left to
        // the per-tensor check below, which names them).
        let values = file.tensors.reduce(0) { $0 + $1.tensor.values.count }
        guard (1...4096).contains(input.channels), (1...1 << 20).contains(input.classes),
              let parameters = a.parameterCount(inputChannels: input.channels, classes: input.classes),
              parameters <= 2 * values + 65_536 else {
            throw fail("its tensors (\(values) values) cannot hold a network of its architecture for \(input.channels) channels and \(input.classes) classes")
        }
        let snapshot = try a.run(NamedImport(tensors: file, architecture: a, inputChannels: input.channels, classes: input.classes, path: path))
        // The history is not kept: the file says how many epochs trained the weights, not how they went.
        var c = configuration
        c.epochs = max(1, c.epochs)
        self.init(configuration: c, epoch: 0, inputChannels: input.channels, height: input.height, width: input.width,
                  classes: input.classes, mean: mean, std: std, history: [], threads: 1, snapshot: snapshot)
        try validate(path: path)
    }

    /// Reads `FILE.safetensors` (`init(safeTensors:path:)`).
    public init(weightsFile path: String) throws {
        let file: SafeTensors
        do { file = try SafeTensors(contentsOf: path) } catch let e as MatrixFileError { throw DatasetError(path, e.problem) }
        try self.init(safeTensors: file, path: path)
    }
}

/// The named tensors of a checkpoint's network (Float).
struct NamedExport: NetworkExperiment {
    typealias Scalar = Float
    var checkpoint: Checkpoint

    func run<F: BlockFamily>(_: F.Type) throws -> [(name: String, tensor: SafeTensors.Tensor)] where F.Scalar == Float {
        let h = checkpoint.header
        var network = Network<F>(h.configuration.architecture, inputChannels: h.inputChannels, classes: h.classes, seed: 0)
        try network.restore(checkpoint.snapshot)
        var tensors: [(name: String, tensor: SafeTensors.Tensor)] = []
        network.visitNamed { name, shape, values in tensors.append((name, SafeTensors.Tensor(shape: shape, values: values))) }
        return tensors
    }
}

/// A network of the architecture with every named tensor of a file loaded, as a snapshot.
struct NamedImport: NetworkExperiment {
    typealias Scalar = Float
    var tensors: SafeTensors
    var architecture: Architecture
    var inputChannels: Int, classes: Int
    var path: String

    func run<F: BlockFamily>(_: F.Type) throws -> NetworkSnapshot where F.Scalar == Float {
        var network = Network<F>(architecture, inputChannels: inputChannels, classes: classes, seed: 0)
        var problem: String?, used = Set<String>()
        let byName = Dictionary(tensors.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        network.visitNamed { name, shape, values in
            guard problem == nil else { return }
            guard let t = byName[name] else { return problem = "no tensor '\(name)' (shape \(shape))" }
            guard t.shape == shape else { return problem = "tensor '\(name)' has shape \(t.shape), this architecture needs \(shape)" }
            guard t.values.allSatisfy(\.isFinite) else { return problem = "tensor '\(name)' holds a non-finite value" }
            values = t.values
            used.insert(name)
        }
        if let problem { throw DatasetError(path, problem) }
        if let extra = tensors.tensors.map(\.name).first(where: { !used.contains($0) }) {
            throw DatasetError(path, "tensor '\(extra)' is not part of this architecture")
        }
        return network.snapshot()
    }
}
