import ArgumentParser
import Dynamics
import Foundation

/// `--checkpoint DIR` or `--weights FILE.safetensors`: a trained network, from either.
struct TrainedSource: ParsableArguments {
    @Option(help: "A checkpoint folder written by train --checkpoint.")
    var checkpoint: String?

    @Option(help: "A weights file written by dynamics export (.safetensors).")
    var weights: String?

    func validate() throws {
        guard (checkpoint == nil) != (weights == nil) else { throw ValidationError("give one of --checkpoint DIR or --weights FILE.safetensors") }
    }

    /// The network, its configuration and standardisation.
    func load() throws -> Checkpoint {
        if let checkpoint { return try Checkpoint(folder: checkpoint) }
        return try Checkpoint(weightsFile: weights ?? "")
    }

    /// The source, for messages.
    var name: String { checkpoint ?? weights ?? "" }
}

/// `dynamics export`: a checkpoint's network as a safetensors file.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a trained network's weights as safetensors.",
        discussion: """
            Every parameter and batch-norm running statistic is a tensor named hierarchically and shaped as \
            the layer uses it (stem.weight [out, in, 3, 3], stage1.unit1.K1.weight, head.bn.running_mean, \
            head.fc.weight [classes, features], …; the README lists them); the training configuration, the \
            input's shape and the standardisation are in __metadata__. evaluate and predict read it back \
            with --weights.
            """)

    @Option(help: "The checkpoint folder written by train --checkpoint.")
    var checkpoint: String

    @Option(help: "The file to write (.safetensors).")
    var to: String

    func validate() throws {
        guard (to as NSString).pathExtension.lowercased() == "safetensors" else {
            throw ValidationError("--to must name a .safetensors file, got \(to)")
        }
    }

    func run() throws {
        let saved = try Checkpoint(folder: checkpoint)
        try AtomicFile.checkWritable(to)
        let file = try saved.safeTensors()
        try file.write(to: to)
        let values = file.tensors.map(\.tensor.values.count).reduce(0, +)
        print("\(to): \(file.tensors.count) tensors, \(values) values (weights and running statistics) of the \(saved.header.configuration.architecture.block.rawValue) network after epoch \(saved.header.epoch)")
    }
}

/// `dynamics predict`: logits, probabilities or classes of a trained network on a data set's
/// test images, to .npy.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Logits (or probabilities) of a trained network on test images, to .npy.")

    @OptionGroup var source: TrainedSource

    @Option(help: "The data set whose test images are classified (default: the one the network was trained on).")
    var data: String?

    @Option(help: "Write the logits, an N×classes float32 array, to this .npy file.")
    var out: String?

    @Flag(help: "Write softmax probabilities instead of logits.")
    var probabilities = false

    @Option(help: "Write the predicted classes (N class indices, float64) to this .npy file.")
    var classesOut: String?

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var images: Int
        var classes: Int
        var accuracy: Double
        var out: String?
    }

    func validate() throws {
        for path in [out, classesOut].compactMap({ $0 }) where (path as NSString).pathExtension.lowercased() != "npy" {
            throw ValidationError("--out and --classes-out write .npy files, got \(path)")
        }
    }

    func run() throws {
        let saved = try source.load()
        let h = saved.header
        var (spec, test) = try CheckpointAnalysis.testData(of: saved, data: data, source: source.name)
        for path in [out, classesOut].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        test.standardize(mean: h.mean, std: h.std)
        let network = try saved.trainableNetwork()
        var rows: [Double] = [], predicted: [Int] = []
        rows.reserveCapacity(test.count * h.classes)
        var g = SeededGenerator(seed: 0)
        for start in stride(from: 0, to: test.count, by: 100) {
            let indices = start..<min(test.count, start + 100)
            let z = network.logits(Batches.tensor(test, indices: ArraySlice(indices), augment: false, using: &g))
            for n in 0..<z.columns {
                var column = (0..<z.rows).map { Double(z[$0, n]) }
                predicted.append(column.indices.max { column[$0] < column[$1] } ?? 0)
                if probabilities {
                    let top = column.max() ?? 0, sum = column.reduce(0) { $0 + Foundation.exp($1 - top) }
                    column = column.map { Foundation.exp($0 - top) / sum }
                }
                rows += column
            }
        }
        if let out { try NumPyArray(shape: [test.count, h.classes], values: rows, dtype: .float32).write(to: out) }
        if let classesOut { try NumPyArray(shape: [test.count], values: predicted.map(Double.init), dtype: .float64).write(to: classesOut) }
        let correct = zip(predicted, test.labels).filter { $0 == $1 }.count
        let report = Report(images: test.count, classes: h.classes, accuracy: test.count == 0 ? 0 : Double(correct) / Double(test.count), out: out)
        if output.json { return try Output.printJSON(report) }
        print(String(format: "%d test images of %@, accuracy %.2f%%", report.images, spec.description, 100 * report.accuracy)
              + (out.map { ", \(probabilities ? "probabilities" : "logits") [\(test.count), \(h.classes)] in \($0)" } ?? ""))
    }
}
