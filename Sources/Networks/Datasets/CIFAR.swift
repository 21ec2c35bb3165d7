import Foundation

/// CIFAR-10 and CIFAR-100 in their binary distribution (Krizhevsky, "Learning multiple layers of
/// features from tiny images", 2009; https://www.cs.toronto.edu/~kriz/cifar.html).
///
/// CIFAR-10: `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`, records of 1 label
/// byte (0–9) and 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32×32).
/// CIFAR-100: `train.bin` and `test.bin`, records of a coarse (0–19) and a fine (0–99) label
/// byte and 3072 pixel bytes; the fine labels are used.
public enum CIFAR {
    /// (train, test) from a CIFAR-10 folder.
    public static func load10(_ folder: String) throws -> (train: Dataset, test: Dataset) {
        let trainFiles = (1...5).map { "\(folder)/data_batch_\($0).bin" }
        return (try read(trainFiles, labelBytes: 1, classes: 10, name: "cifar10"),
                try read(["\(folder)/test_batch.bin"], labelBytes: 1, classes: 10, name: "cifar10"))
    }

    /// (train, test) from a CIFAR-100 folder (fine labels).
    public static func load100(_ folder: String) throws -> (train: Dataset, test: Dataset) {
        (try read(["\(folder)/train.bin"], labelBytes: 2, classes: 100, name: "cifar100"),
         try read(["\(folder)/test.bin"], labelBytes: 2, classes: 100, name: "cifar100"))
    }

    static func read(_ paths: [String], labelBytes: Int, classes: Int, name: String) throws -> Dataset {
        let record = labelBytes + 3072
        var images: [Float] = [], labels: [Int] = []
        for path in paths {
            let bytes = try BinaryFile.read(path)
            guard !bytes.isEmpty, bytes.count % record == 0 else {
                throw DatasetError(path, "size \(bytes.count) bytes is not a whole number of \(record)-byte records; the file is truncated or not a \(name) binary batch")
            }
            images.reserveCapacity(images.count + bytes.count / record * 3072)
            for r in 0..<(bytes.count / record) {
                let base = r * record
                let label = Int(bytes[base + labelBytes - 1])
                guard label < classes else {
                    throw DatasetError(path, "record \(r + 1) has label \(label); \(name) labels are 0–\(classes - 1)")
                }
                labels.append(label)
                for i in 0..<3072 { images.append(Float(bytes[base + labelBytes + i])) }
            }
        }
        return Dataset(name: name, channels: 3, height: 32, width: 32, classes: classes, images: images, labels: labels)
    }
}

/// STL-10 in its binary distribution (Coates, Lee & Ng, AISTATS 2011;
/// https://cs.stanford.edu/~acoates/stl10/): `train_X.bin`/`test_X.bin` hold 96×96×3 uint8
/// images, each stored column-major (channel, then column, then row), and `train_y.bin`/
/// `test_y.bin` labels 1–10.
public enum STL10 {
    public static func load(_ folder: String) throws -> (train: Dataset, test: Dataset) {
        (try read(images: "\(folder)/train_X.bin", labels: "\(folder)/train_y.bin"),
         try read(images: "\(folder)/test_X.bin", labels: "\(folder)/test_y.bin"))
    }

    static func read(images imagePath: String, labels labelPath: String) throws -> Dataset {
        let side = 96, size = 3 * side * side
        let pixels = try BinaryFile.read(imagePath), labelBytes = try BinaryFile.read(labelPath)
        guard !pixels.isEmpty, pixels.count % size == 0 else {
            throw DatasetError(imagePath, "size \(pixels.count) bytes is not a whole number of 96×96×3 images; the file is truncated")
        }
        let count = pixels.count / size
        guard labelBytes.count == count else {
            throw DatasetError(labelPath, "has \(labelBytes.count) labels for \(count) images in \(imagePath)")
        }
        var labels: [Int] = []
        for (i, b) in labelBytes.enumerated() {
            guard (1...10).contains(b) else { throw DatasetError(labelPath, "label \(i + 1) is \(b); STL-10 labels are 1–10") }
            labels.append(Int(b) - 1)
        }
        var images = [Float](repeating: 0, count: count * size)
        for n in 0..<count {
            for c in 0..<3 {
                for x in 0..<side {
                    for y in 0..<side {
                        images[((n * 3 + c) * side + y) * side + x] = Float(pixels[n * size + (c * side + x) * side + y])
                    }
                }
            }
        }
        return Dataset(name: "stl10", channels: 3, height: side, width: side, classes: 10, images: images, labels: labels)
    }
}
