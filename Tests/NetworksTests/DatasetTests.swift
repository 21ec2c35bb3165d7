import CZlib
import Foundation
import Testing
@testable import Networks

/// Files written in the distributed formats, byte by byte, to test the readers without the data.
enum DatasetFiles {
    static func folder(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-data-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// A CIFAR record: label bytes, then pixel k of channel c equal to (k + 7c + 31·record) mod 256.
    static func cifarRecords(count: Int, labels: (Int) -> [UInt8]) -> [UInt8] {
        (0..<count).flatMap { r in labels(r) + (0..<3072).map { UInt8((($0 % 1024) + 7 * ($0 / 1024) + 31 * r) % 256) } }
    }

    static func idx(_ dims: [Int], _ payload: [UInt8]) -> [UInt8] {
        [0, 0, 8, UInt8(dims.count)] + dims.flatMap { d in (0..<4).reversed().map { UInt8((d >> (8 * $0)) & 0xFF) } } + payload
    }

    static func gzip(_ bytes: [UInt8], _ path: String) {
        let f = gzopen(path, "wb")!
        _ = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
        gzclose(f)
    }
}

@Suite("Data set readers")
struct DatasetTests {
    @Test("CIFAR-10 batches: labels and pixels in place; truncation and bad labels named")
    func cifar10() throws {
        let dir = DatasetFiles.folder("cifar10")
        for k in 1...5 { try DatasetFiles.write(DatasetFiles.cifarRecords(count: 3) { [UInt8(($0 + k) % 10)] }, "\(dir)/data_batch_\(k).bin") }
        try DatasetFiles.write(DatasetFiles.cifarRecords(count: 2) { [UInt8($0)] }, "\(dir)/test_batch.bin")
        let (train, test) = try CIFAR.load10(dir)
        #expect(train.count == 15 && test.count == 2 && train.classes == 10 && train.channels == 3)
        #expect(train.labels.prefix(3) == [1, 2, 3])
        // Record 1 of the test batch: green channel (c = 1) pixel 5 is 5 + 7 + 31 = 43.
        #expect(test.images[1 * 3072 + 1024 + 5] == 43)
        try DatasetFiles.write(Array(DatasetFiles.cifarRecords(count: 2) { [UInt8($0)] }.dropLast(10)), "\(dir)/test_batch.bin")
        #expect(throws: DatasetError.self) { try CIFAR.load10(dir) }
        try DatasetFiles.write(DatasetFiles.cifarRecords(count: 1) { _ in [12] }, "\(dir)/test_batch.bin")
        do { _ = try CIFAR.load10(dir); Issue.record("label 12 accepted") } catch { #expect("\(error)".contains("label 12")) }
    }

    @Test("CIFAR-100 uses the fine label (second byte)")
    func cifar100() throws {
        let dir = DatasetFiles.folder("cifar100")
        try DatasetFiles.write(DatasetFiles.cifarRecords(count: 2) { [UInt8(19), UInt8(98 + $0)] }, "\(dir)/train.bin")
        try DatasetFiles.write(DatasetFiles.cifarRecords(count: 1) { _ in [3, 42] }, "\(dir)/test.bin")
        let (train, test) = try CIFAR.load100(dir)
        #expect(train.labels == [98, 99] && test.labels == [42] && train.classes == 100)
    }

    @Test("STL-10: column-major images become row-major; labels 1–10 become 0–9")
    func stl10() throws {
        let dir = DatasetFiles.folder("stl10")
        let size = 3 * 96 * 96
        // Image: value at (c, x, y) in file order is (x + 2y + c) mod 256.
        var image = [UInt8](repeating: 0, count: size)
        for c in 0..<3 { for x in 0..<96 { for y in 0..<96 { image[(c * 96 + x) * 96 + y] = UInt8((x + 2 * y + c) % 256) } } }
        try DatasetFiles.write(image + image, "\(dir)/train_X.bin")
        try DatasetFiles.write([1, 10], "\(dir)/train_y.bin")
        try DatasetFiles.write(image, "\(dir)/test_X.bin")
        try DatasetFiles.write([5], "\(dir)/test_y.bin")
        let (train, test) = try STL10.load(dir)
        #expect(train.labels == [0, 9] && test.labels == [4])
        // Row-major (c = 2, y = 3, x = 10): 10 + 6 + 2 = 18.
        #expect(test.images[(2 * 96 + 3) * 96 + 10] == 18)
        try DatasetFiles.write([0], "\(dir)/test_y.bin")
        #expect(throws: DatasetError.self) { try STL10.load(dir) }
    }

    @Test("IDX in MNIST's layout, plain and gzip, any image size; bad headers named")
    func idx() throws {
        let dir = DatasetFiles.folder("idx")
        let images: [UInt8] = (0..<(3 * 8 * 8)).map { UInt8($0 % 256) }
        DatasetFiles.gzip(DatasetFiles.idx([3, 8, 8], images), "\(dir)/train-images-idx3-ubyte.gz")
        try DatasetFiles.write(DatasetFiles.idx([3], [0, 9, 4]), "\(dir)/train-labels-idx1-ubyte")
        try DatasetFiles.write(DatasetFiles.idx([1, 8, 8], Array(images.prefix(64))), "\(dir)/t10k-images-idx3-ubyte")
        try DatasetFiles.write(DatasetFiles.idx([1], [2]), "\(dir)/t10k-labels-idx1-ubyte")
        let (train, test) = try IDX.loadMNISTLayout(dir)
        #expect(train.height == 8 && train.width == 8 && train.channels == 1 && train.classes == 10)
        #expect(train.labels == [0, 9, 4] && train.images[70] == 70 && test.labels == [2])
        try DatasetFiles.write(DatasetFiles.idx([2], [1, 2]), "\(dir)/t10k-labels-idx1-ubyte")
        do { _ = try IDX.loadMNISTLayout(dir); Issue.record("label count mismatch accepted") } catch { #expect("\(error)".contains("2 labels for 1 images")) }
        try DatasetFiles.write([1, 2, 3, 4, 5], "\(dir)/t10k-labels-idx1-ubyte")
        do { _ = try IDX.loadMNISTLayout(dir); Issue.record("bad magic accepted") } catch { #expect("\(error)".contains("bad magic")) }
        try DatasetFiles.write(Array(DatasetFiles.idx([1, 8, 8], images).prefix(40)), "\(dir)/t10k-images-idx3-ubyte")
        try DatasetFiles.write(DatasetFiles.idx([1], [2]), "\(dir)/t10k-labels-idx1-ubyte")
        do { _ = try IDX.loadMNISTLayout(dir); Issue.record("truncation accepted") } catch { #expect("\(error)".contains("truncated")) }
    }

    @Test("specs: parsing, unknown kinds, missing folders")
    func specs() throws {
        #expect(try DatasetSpec(parsing: "cifar10:/data/c").kind == .cifar10)
        #expect(throws: DatasetError.self) { try DatasetSpec(parsing: "imagenet:/x") }
        #expect(throws: DatasetError.self) { try DatasetSpec(parsing: "mnist:/nonexistent/folder").load() }
        #expect(throws: DatasetError.self) { try DatasetSpec(parsing: "synthetic:nothing").load() }
        let (train, test) = try DatasetSpec(parsing: "synthetic:spirals").load()
        #expect(train.count == 1500 && test.count == 600 && train.classes == 3)
    }

    @Test("stratified subsample keeps every class in proportion; the validation split is disjoint")
    func sampling() throws {
        let (train, _) = try SyntheticData.load("shapes")
        let small = train.stratifiedSample(fraction: 0.1, seed: 3)
        #expect(small.count == 200 && (0..<4).allSatisfy { c in small.labels.filter { $0 == c }.count == 50 })
        let (rest, held) = train.split(holdingOut: 0.25, seed: 4)
        #expect(rest.count + held.count == train.count && held.count == 500)
        var s = small
        let (mean, std) = s.channelStatistics()
        s.standardize(mean: mean, std: std)
        let (m2, s2) = s.channelStatistics()
        #expect(abs(m2[0]) < 1e-4 && abs(s2[0] - 1) < 1e-3)
    }

    @Test("augmentation: crops shift, flips mirror, off changes nothing")
    func augmentation() throws {
        let data = Dataset(name: "t", channels: 1, height: 2, width: 3, classes: 1, images: [1, 2, 3, 4, 5, 6], labels: [0])
        var g = SeededGenerator(seed: 1)
        #expect(Batches.tensor(data, indices: [0], augment: false, using: &g).data == [1, 2, 3, 4, 5, 6])
        var seen = Set<[Float]>()
        for _ in 0..<200 { seen.insert(Batches.tensor(data, indices: [0], augment: true, using: &g).data) }
        #expect(seen.contains([3, 2, 1, 6, 5, 4]))   // flipped, no shift
        #expect(seen.contains([0, 0, 0, 0, 0, 0]))   // shifted out entirely (pad 4 > size)
    }
}

@Suite("Hostile data files")
struct HostileDataTests {
    @Test("IDX dimensions whose product overflows are refused")
    func overflowingDimensions() throws {
        let folder = DatasetFiles.folder("idx-overflow")
        try DatasetFiles.write(DatasetFiles.idx([1 << 31 - 1, 1 << 31 - 1, 1 << 31 - 1], [1, 2, 3]), "\(folder)/images")
        try DatasetFiles.write(DatasetFiles.idx([3], [0, 1, 2]), "\(folder)/labels")
        #expect(throws: DatasetError.self) { try IDX.read(images: "\(folder)/images", labels: "\(folder)/labels") }
    }

    @Test("a gzip bomb is refused before it is inflated: its header announces more than 16× its size")
    func decompressionBomb() throws {
        let folder = DatasetFiles.folder("idx-bomb")
        // 64 MB of zero pixels announced and present: gzip makes it about 64 KB.
        let count = 1 << 16
        DatasetFiles.gzip(DatasetFiles.idx([count, 32, 32], [UInt8](repeating: 0, count: count * 1024)), "\(folder)/images.gz")
        try DatasetFiles.write(DatasetFiles.idx([count], [UInt8](repeating: 0, count: count)), "\(folder)/labels")
        let start = ContinuousClock.now
        #expect(throws: DatasetError.self) { try IDX.read(images: "\(folder)/images.gz", labels: "\(folder)/labels") }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
