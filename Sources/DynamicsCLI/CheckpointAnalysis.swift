import ArgumentParser
import Dynamics

/// What `eig --checkpoint` and `lyapunov --checkpoint` share: the checkpoint, its data set (or
/// `--data`) and the test images the analyses linearise at.
enum CheckpointAnalysis {
    /// The most test images an analysis takes (`--images`).
    static let maximumImages = 4096

    /// Refuses an `--images` outside 1…`maximumImages`.
    static func checkImages(_ images: Int?) throws {
        if let images, !(1...maximumImages).contains(images) {
            throw ValidationError("--images must be from 1 to \(maximumImages), got \(images)")
        }
    }

    /// The checkpoint in `folder`, the data set it names (or `data`), and that set's test images.
    static func load(_ folder: String, data: String?) throws -> (checkpoint: Checkpoint, spec: DatasetSpec, test: Dataset) {
        let saved = try Checkpoint(folder: folder)
        let (spec, test) = try testData(of: saved, data: data, source: folder)
        return (saved, spec, test)
    }

    /// The test images of `data` (default: the set the network trained on), unstandardised,
    /// checked against the network's input (`source` names the network in the message); an image
    /// folder is scaled and cropped to the network's input size.
    static func testData(of saved: Checkpoint, data: String?, source: String) throws -> (spec: DatasetSpec, test: Dataset) {
        let h = saved.header
        var spec = try data.map(DatasetSpec.init(parsing:)) ?? h.configuration.data
        if spec.kind == .folder { spec.imageSize = ImageSize(height: h.height, width: h.width) }
        let test = try spec.load().test
        guard test.channels == h.inputChannels, test.height == h.height, test.width == h.width, test.classes <= h.classes else {
            throw CLIError("\(spec): images are \(test.channels)×\(test.height)×\(test.width) with \(test.classes) classes; \(source) was trained on \(h.inputChannels)×\(h.height)×\(h.width) with \(h.classes)")
        }
        return (spec, test)
    }
}
