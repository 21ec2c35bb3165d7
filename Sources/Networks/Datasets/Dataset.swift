import Foundation

/// A labelled image set in memory: 8-bit-range pixel values as Float in NCHW order.
public struct Dataset: Sendable {
    public var name: String
    public var channels: Int
    public var height: Int
    public var width: Int
    public var classes: Int
    /// count × channels × height × width values, image after image.
    public var images: [Float]
    public var labels: [Int]

    public init(name: String, channels: Int, height: Int, width: Int, classes: Int, images: [Float], labels: [Int]) {
        precondition(images.count == labels.count * channels * height * width, "Dataset: \(images.count) values for \(labels.count) images")
        self.name = name
        self.channels = channels
        self.height = height
        self.width = width
        self.classes = classes
        self.images = images
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var imageSize: Int { channels * height * width }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var out = [Float]()
        out.reserveCapacity(indices.count * imageSize)
        for i in indices { out += images[(i * imageSize)..<((i + 1) * imageSize)] }
        return Dataset(name: name, channels: channels, height: height, width: width, classes: classes,
                       images: out, labels: indices.map { labels[$0] })
    }

    /// Indices of a stratified sample: `fraction` of each class (at least one image per class),
    /// chosen with `seed`.
    public func stratifiedIndices(fraction: Double, seed: UInt64) -> [Int] {
        var g = SeededGenerator(seed: seed)
        var chosen: [Int] = []
        for c in 0..<classes {
            var members = labels.indices.filter { labels[$0] == c }
            guard !members.isEmpty else { continue }
            members.shuffle(using: &g)
            chosen += members.prefix(max(1, Int((Double(members.count) * fraction).rounded())))
        }
        return chosen.sorted()
    }

    /// A stratified subset keeping `fraction` of each class (the paper's small-data experiment).
    public func stratifiedSample(fraction: Double, seed: UInt64) -> Dataset {
        subset(stratifiedIndices(fraction: fraction, seed: seed))
    }

    /// A stratified split: (the rest, a held-out `fraction` of each class).
    public func split(holdingOut fraction: Double, seed: UInt64) -> (train: Dataset, heldOut: Dataset) {
        let held = stratifiedIndices(fraction: fraction, seed: seed)
        let heldSet = Set(held)
        return (subset(labels.indices.filter { !heldSet.contains($0) }), subset(held))
    }

    /// Per-channel mean and standard deviation over all pixels of all images.
    public func channelStatistics() -> (mean: [Float], std: [Float]) {
        let plane = height * width
        var mean = [Double](repeating: 0, count: channels), square = mean
        for n in 0..<count {
            for c in 0..<channels {
                let base = (n * channels + c) * plane
                for i in 0..<plane {
                    let v = Double(images[base + i])
                    mean[c] += v
                    square[c] += v * v
                }
            }
        }
        let total = Double(count * plane)
        return (mean.map { Float($0 / total) },
                zip(mean, square).map { Float(max(1e-12, $1 / total - ($0 / total) * ($0 / total)).squareRoot()) })
    }

    /// (x − mean_c)/std_c for every pixel.
    public mutating func standardize(mean: [Float], std: [Float]) {
        let plane = height * width
        for n in 0..<count {
            for c in 0..<channels {
                let base = (n * channels + c) * plane, m = mean[c], s = std[c]
                for i in 0..<plane { images[base + i] = (images[base + i] - m) / s }
            }
        }
    }
}

/// A dataset file or folder that cannot be used, naming it and the problem.
public struct DatasetError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ path: String, _ problem: String) { description = "\(path): \(problem)" }
    public init(_ description: String) { self.description = description }
}
