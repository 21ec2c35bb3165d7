import Foundation
import RealModule

/// Built-in synthetic classification sets, generated from a fixed seed (the same data on every
/// machine), for demos and tests where no real data set is at hand.
///
/// - `spirals`: three interleaved spiral arms; `circles`: three concentric rings. Both are 2-D
///   point clouds with noise, each point rendered as a Gaussian blob on an 8×8 image of
///   [−1, 1]², so that a convolutional network must locate it.
/// - `shapes`: 16×16 images of a filled square, a hollow square, a plus sign or a diagonal
///   stroke, of random size and position, with pixel noise (4 classes).
public enum SyntheticData {
    public static let names = ["shapes", "spirals", "circles"]

    /// (train, test) for a name.
    public static func load(_ name: String) throws -> (train: Dataset, test: Dataset) {
        switch name {
        case "spirals": return (points(name, count: 1500, seed: 11, spiral), points(name, count: 600, seed: 12, spiral))
        case "circles": return (points(name, count: 1500, seed: 21, circle), points(name, count: 600, seed: 22, circle))
        case "shapes": return (shapes(count: 2000, seed: 31), shapes(count: 500, seed: 32))
        default: throw DatasetError("unknown synthetic set '\(name)'; choose one of \(names.joined(separator: ", "))")
        }
    }

    static func spiral(_ label: Int, _ g: inout SeededGenerator) -> (Double, Double) {
        let t = Double.random(in: 0.15...1, using: &g)
        let angle = 2 * Double.pi * (Double(label) / 3 + 0.9 * t) + 0.15 * Gaussian.sample(using: &g)
        return (0.9 * t * Double.cos(angle), 0.9 * t * Double.sin(angle))
    }

    static func circle(_ label: Int, _ g: inout SeededGenerator) -> (Double, Double) {
        let r = 0.25 + 0.3 * Double(label) + 0.04 * Gaussian.sample(using: &g)
        let angle = Double.random(in: 0..<(2 * Double.pi), using: &g)
        return (r * Double.cos(angle), r * Double.sin(angle))
    }

    static func points(_ name: String, count: Int, seed: UInt64, _ draw: (Int, inout SeededGenerator) -> (Double, Double)) -> Dataset {
        var g = SeededGenerator(seed: seed)
        let side = 8
        var images: [Float] = [], labels: [Int] = []
        for n in 0..<count {
            let label = n % 3
            let (x, y) = draw(label, &g)
            for i in 0..<side {
                for j in 0..<side {
                    let px = -1 + 2 * (Double(j) + 0.5) / Double(side), py = -1 + 2 * (Double(i) + 0.5) / Double(side)
                    images.append(Float(255 * Double.exp(-((px - x) * (px - x) + (py - y) * (py - y)) / 0.05)))
                }
            }
            labels.append(label)
        }
        return Dataset(name: name, channels: 1, height: side, width: side, classes: 3, images: images, labels: labels)
    }

    static func shapes(count: Int, seed: UInt64) -> Dataset {
        var g = SeededGenerator(seed: seed)
        let side = 16
        var images: [Float] = [], labels: [Int] = []
        for n in 0..<count {
            let label = n % 4
            let size = Int.random(in: 5...9, using: &g)
            let top = Int.random(in: 0...(side - size), using: &g), left = Int.random(in: 0...(side - size), using: &g)
            var image = [Float](repeating: 0, count: side * side)
            for i in 0..<size {
                for j in 0..<size {
                    let on: Bool
                    switch label {
                    case 0: on = true                                                  // filled square
                    case 1: on = i == 0 || j == 0 || i == size - 1 || j == size - 1    // hollow square
                    case 2: on = i == size / 2 || j == size / 2                        // plus sign
                    default: on = i == j                                               // diagonal stroke
                    }
                    if on { image[(top + i) * side + left + j] = 200 }
                }
            }
            images += image.map { max(0, min(255, $0 + Float(25 * Gaussian.sample(using: &g)))) }
            labels.append(label)
        }
        return Dataset(name: "shapes", channels: 1, height: side, width: side, classes: 4, images: images, labels: labels)
    }
}

/// A data set named on the command line: `cifar10:DIR`, `cifar100:DIR`, `stl10:DIR`,
/// `mnist:DIR` (any IDX set with MNIST's file names), `npz:FILE` (NumPy arrays, `NPZ`),
/// `folder:DIR` (PNG and JPEG files in torchvision's ImageFolder layout, `ImageFolder`) or
/// `synthetic:NAME`.
public struct DatasetSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable { case cifar10, cifar100, stl10, mnist, npz, folder, synthetic }
    public var kind: Kind
    /// The folder, the file (npz), or the synthetic set's name.
    public var location: String
    /// An image folder's images scaled and centre-cropped to this size (nil: their own, one for all).
    public var imageSize: ImageSize?

    public init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":"), let kind = Kind(rawValue: String(text[..<colon])),
              !text[text.index(after: colon)...].isEmpty else {
            throw DatasetError("'\(text)' is not a data set; use cifar10:DIR, cifar100:DIR, stl10:DIR, mnist:DIR, npz:FILE, folder:DIR or synthetic:NAME (\(SyntheticData.names.joined(separator: ", ")))")
        }
        self.kind = kind
        location = String(text[text.index(after: colon)...])
    }

    public var description: String { "\(kind.rawValue):\(location)" }

    /// Whether random crops and flips suit the set: natural images yes; digits and the
    /// synthetic sets (whose classes depend on position or orientation) no.
    public var augmentsByDefault: Bool { kind == .cifar10 || kind == .cifar100 || kind == .stl10 }

    /// Loads (train, test).
    public func load() throws -> (train: Dataset, test: Dataset) {
        if kind != .synthetic && kind != .npz {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: location, isDirectory: &isFolder), isFolder.boolValue else {
                throw DatasetError(location, "no such folder (a \(kind.rawValue) data set is a folder of its distributed files)")
            }
        }
        switch kind {
        case .cifar10: return try CIFAR.load10(location)
        case .cifar100: return try CIFAR.load100(location)
        case .stl10: return try STL10.load(location)
        case .mnist: return try IDX.loadMNISTLayout(location)
        case .npz: return try NPZ.load(location)
        case .folder: return try ImageFolder.load(location, size: imageSize)
        case .synthetic: return try SyntheticData.load(location)
        }
    }
}
