import Foundation
import LinearAlgebra

/// The IDX format of MNIST (LeCun et al., http://yann.lecun.com/exdb/mnist/): a big-endian
/// header (two zero bytes, a type byte 0x08 for unsigned bytes, the number of dimensions, then
/// each dimension as a 32-bit integer) and the data. Images are idx3 (count, rows, columns),
/// labels idx1 (count). Any image size and count is read from the header; `.gz` files are
/// decompressed.
public enum IDX {
    /// (train, test) from a folder laid out with MNIST's file names (`train-images-idx3-ubyte`,
    /// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each
    /// optionally `.gz`). The number of classes is the largest label plus one.
    public static func loadMNISTLayout(_ folder: String) throws -> (train: Dataset, test: Dataset) {
        func path(_ name: String) throws -> String {
            for candidate in ["\(folder)/\(name)", "\(folder)/\(name).gz"] where FileManager.default.fileExists(atPath: candidate) {
                return candidate
            }
            throw DatasetError("\(folder)/\(name)", "no such file (nor .gz); an IDX folder needs MNIST's four file names")
        }
        var train = try read(images: try path("train-images-idx3-ubyte"), labels: try path("train-labels-idx1-ubyte"))
        var test = try read(images: try path("t10k-images-idx3-ubyte"), labels: try path("t10k-labels-idx1-ubyte"))
        guard train.height == test.height, train.width == test.width else {
            throw DatasetError(folder, "training images are \(train.height)×\(train.width) but test images \(test.height)×\(test.width)")
        }
        let classes = max(train.classes, test.classes)
        train.classes = classes
        test.classes = classes
        return (train, test)
    }

    /// One image file and its label file.
    public static func read(images imagePath: String, labels labelPath: String) throws -> Dataset {
        let (imageDims, pixels) = try parse(imagePath, dimensions: 3)
        let (labelDims, labelBytes) = try parse(labelPath, dimensions: 1)
        guard imageDims[0] == labelDims[0] else {
            throw DatasetError(labelPath, "has \(labelDims[0]) labels for \(imageDims[0]) images in \(imagePath)")
        }
        let labels = labelBytes.map(Int.init)
        guard let top = labels.max(), top < 256 else { throw DatasetError(labelPath, "has no labels") }
        return Dataset(name: "idx", channels: 1, height: imageDims[1], width: imageDims[2], classes: top + 1,
                       images: pixels.map(Float.init), labels: labels)
    }

    /// The dimensions and the data of an IDX file. The header is read first; the data is then
    /// read (decompressed) only up to the size the header announces, after checking that size
    /// for overflow and against what the file can plausibly hold.
    static func parse(_ path: String, dimensions: Int) throws -> ([Int], ArraySlice<UInt8>) {
        let header = 4 + 4 * dimensions
        let head = try BinaryFile.read(path, upTo: header)
        guard head.count >= 4, head[0] == 0, head[1] == 0 else {
            throw DatasetError(path, "not an IDX file (bad magic number)")
        }
        guard head[2] == 0x08 else { throw DatasetError(path, "IDX type 0x\(String(head[2], radix: 16)) is not unsigned bytes (0x08)") }
        guard Int(head[3]) == dimensions else {
            throw DatasetError(path, "has \(head[3]) dimensions; expected \(dimensions) (\(dimensions == 3 ? "images" : "labels"))")
        }
        guard head.count >= header else { throw DatasetError(path, "truncated IDX header") }
        let dims = (0..<dimensions).map { d in (0..<4).reduce(0) { $0 << 8 | Int(head[4 + 4 * d + $1]) } }
        guard dims.allSatisfy({ $0 > 0 }), let count = SafeSize.product(dims), count <= (try BinaryFile.plausibleSize(path)) - header else {
            throw DatasetError(path, "the header announces \(dims) bytes of data, more than the file can hold"
                               + (path.hasSuffix(".gz") ? " plausibly (over \(BinaryFile.maximumExpansion)× its compressed size; gunzip it first if it is genuine)" : "; it is truncated or corrupt"))
        }
        let bytes = try BinaryFile.read(path, upTo: header + count + 1)
        guard bytes.count - header == count else {
            throw DatasetError(path, "the header announces \(dims) = \(count) bytes of data, the file has "
                               + (bytes.count - header > count ? "more" : "\(bytes.count - header)") + "; it is truncated or corrupt")
        }
        return (dims, bytes[header...])
    }
}
