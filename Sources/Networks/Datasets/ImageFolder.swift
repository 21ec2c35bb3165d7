import CImageCodecs
import Foundation
import LinearAlgebra

/// A feature map's or an image's spatial size.
public struct ImageSize: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Pixels per side, at most.
    public static let maximumSide = 1 << 15
    public var height: Int
    public var width: Int
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }
    public var description: String { "\(height)x\(width)" }
}

/// `folder:DIR`: torchvision's ImageFolder layout, `DIR/train/CLASS/*.png|*.jpg|*.jpeg` and
/// `DIR/test/CLASS/…`, the classes the train folder's subfolders in sorted order (a test folder
/// may lack some, not add any). PNG through libpng, JPEG through libjpeg-turbo (`CImageCodecs`):
/// grey or RGB, 8 bits, alpha composited on black. All images must have one channel count;
/// with an `ImageSize` each is scaled (bilinear, no antialiasing) to cover it and centre-cropped,
/// as torchvision's Resize + CenterCrop; without one they must all have one size. Pixels keep
/// their 0–255 values, as the other readers', and are standardised per channel by training.
public enum ImageFolder {
    /// Images of different sizes in a folder read without a size to bring them to.
    public struct SizesDiffer: Error, CustomStringConvertible {
        public var path: String, size: ImageSize, first: String, firstSize: ImageSize
        public var description: String {
            "\(path): \(size.height)×\(size.width), but \(first) is \(firstSize.height)×\(firstSize.width): they need one size to be scaled and cropped to"
        }
    }

    static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    /// The most pixels (× channels) one image may decode to: 64 M, a 4,096² RGB photo with room.
    static let maximumPixels = 1 << 26

    static func load(_ root: String, size: ImageSize?) throws -> (train: Dataset, test: Dataset) {
        let fm = FileManager.default
        func folders(_ path: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { name in
                var isFolder: ObjCBool = false
                return !name.hasPrefix(".") && fm.fileExists(atPath: (path as NSString).appendingPathComponent(name), isDirectory: &isFolder) && isFolder.boolValue
            }.sorted()
        }
        let trainRoot = (root as NSString).appendingPathComponent("train"), testRoot = (root as NSString).appendingPathComponent("test")
        let classes = folders(trainRoot)
        guard classes.count >= 2 else {
            throw DatasetError(trainRoot, classes.isEmpty ? "no class folders (expected DIR/train/CLASS/*.png|jpg and DIR/test/CLASS/…)" : "one class folder (\(classes[0])); at least 2 are needed")
        }
        if let unknown = folders(testRoot).first(where: { !classes.contains($0) }) {
            throw DatasetError((testRoot as NSString).appendingPathComponent(unknown), "a test class that train/ does not have")
        }
        func files(_ split: String, _ required: Bool) throws -> [(path: String, label: Int)] {
            try classes.enumerated().flatMap { label, name -> [(path: String, label: Int)] in
                let folder = ((root as NSString).appendingPathComponent(split) as NSString).appendingPathComponent(name)
                let images = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter {
                    !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased())
                }.sorted()
                if required && images.isEmpty { throw DatasetError(folder, "a class with no .png or .jpg images") }
                return images.map { ((folder as NSString).appendingPathComponent($0), label) }
            }
        }
        let trainFiles = try files("train", true), testFiles = try files("test", false)
        guard !testFiles.isEmpty else { throw DatasetError(testRoot, "no test images (expected DIR/test/CLASS/*.png|jpg)") }
        // Headers first (sizes and channels, nothing decoded), so the whole set is checked against
        // memory before any image is; then each image is decoded and brought to size in turn.
        let all = trainFiles + testFiles
        let shapes = try all.map { try info($0.path) }
        let channels = shapes[0].channels
        if let other = zip(all, shapes).first(where: { $0.1.channels != channels }) {
            throw DatasetError(other.0.path, "\(other.1.channels == 1 ? "1 channel (grey)" : "3 channels (RGB)"), but \(all[0].path) has \(channels): convert them to one")
        }
        let target = size ?? ImageSize(height: shapes[0].height, width: shapes[0].width)
        if size == nil, let other = zip(all, shapes).first(where: { $0.1.height != target.height || $0.1.width != target.width }) {
            throw SizesDiffer(path: other.0.path, size: ImageSize(height: other.1.height, width: other.1.width), first: all[0].path, firstSize: target)
        }
        let per = channels * target.height * target.width
        guard let total = SafeSize.product([per, all.count]), SafeSize.fitsInMemory(total, width: 8) else {
            throw DatasetError(root, "\(all.count) images of \(channels)×\(target.height)×\(target.width) do not fit in this machine's memory")
        }
        var images = [Float](repeating: 0, count: total)
        for (k, file) in all.enumerated() {
            let image = try decode(file.path)
            images.withUnsafeMutableBufferPointer { out in resample(image, to: target, into: out.baseAddress! + k * per) }
        }
        let name = (root as NSString).lastPathComponent
        let split = trainFiles.count * per
        return (Dataset(name: name, channels: channels, height: target.height, width: target.width, classes: classes.count,
                        images: Array(images[..<split]), labels: trainFiles.map(\.label)),
                Dataset(name: name, channels: channels, height: target.height, width: target.width, classes: classes.count,
                        images: Array(images[split...]), labels: testFiles.map(\.label)))
    }

    /// An image's interleaved 8-bit pixels (H×W×C).
    public struct Decoded: Sendable { public var width: Int, height: Int, channels: Int, pixels: [UInt8] }

    /// One PNG or JPEG file, decoded (checked as user input: dimensions before allocating).
    public static func decode(_ path: String) throws -> Decoded {
        let (bytes, shape) = try header(path)
        var pixels = [UInt8](repeating: 0, count: shape.width * shape.height * shape.channels)
        var message = [CChar](repeating: 0, count: 256)
        guard dyn_image_decode(bytes, bytes.count, &pixels, pixels.count, &message, message.count) == 0 else {
            throw DatasetError(path, "unreadable image: \(text(message).printable)")
        }
        return Decoded(width: shape.width, height: shape.height, channels: shape.channels, pixels: pixels)
    }

    /// A C message buffer's text, up to its NUL.
    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// An image's width, height and channels from its header, nothing decoded.
    static func info(_ path: String) throws -> (width: Int, height: Int, channels: Int) { try header(path).shape }

    /// The file's bytes and its header's dimensions, refused above `maximumPixels` values.
    private static func header(_ path: String) throws -> (bytes: [UInt8], shape: (width: Int, height: Int, channels: Int)) {
        guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError(path, "cannot read the image (check its permissions)") }
        var message = [CChar](repeating: 0, count: 256)
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        let bytes = [UInt8](data)
        guard dyn_image_info(bytes, bytes.count, &w, &h, &c, &message, message.count) == 0 else {
            throw DatasetError(path, "unreadable image: \(text(message).printable)")
        }
        guard w > 0, h > 0, c > 0, let n = SafeSize.product([Int(w), Int(h), Int(c)]), n <= maximumPixels else {
            throw DatasetError(path, "\(w)×\(h) pixels: larger than \(maximumPixels) values (scale it down first)")
        }
        return (bytes, (Int(w), Int(h), Int(c)))
    }

    /// Channel-major floats of `image` scaled to cover `size` and centre-cropped (the identity
    /// at its own size): bilinear on pixel centres, clamped at the borders.
    static func resample(_ image: Decoded, to size: ImageSize, into out: UnsafeMutablePointer<Float>) {
        let (w, h, c) = (image.width, image.height, image.channels)
        let scale = max(Double(size.height) / Double(h), Double(size.width) / Double(w))
        let top = (Double(h) * scale - Double(size.height)) / 2, left = (Double(w) * scale - Double(size.width)) / 2
        for y in 0..<size.height {
            let sy = min(max((Double(y) + top + 0.5) / scale - 0.5, 0), Double(h - 1))
            let y0 = Int(sy), y1 = min(y0 + 1, h - 1), fy = Float(sy - Double(y0))
            for x in 0..<size.width {
                let sx = min(max((Double(x) + left + 0.5) / scale - 0.5, 0), Double(w - 1))
                let x0 = Int(sx), x1 = min(x0 + 1, w - 1), fx = Float(sx - Double(x0))
                for k in 0..<c {
                    func p(_ yy: Int, _ xx: Int) -> Float { Float(image.pixels[(yy * w + xx) * c + k]) }
                    let top = p(y0, x0) + fx * (p(y0, x1) - p(y0, x0)), bottom = p(y1, x0) + fx * (p(y1, x1) - p(y1, x0))
                    out[(k * size.height + y) * size.width + x] = top + fy * (bottom - top)
                }
            }
        }
    }
}
