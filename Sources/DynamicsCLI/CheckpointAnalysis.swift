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
        let spec = try data.map(DatasetSpec.init(parsing:)) ?? saved.header.configuration.data
        return (saved, spec, try spec.load().test)
    }
}
