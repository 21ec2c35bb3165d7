import Dynamics
import Foundation

/// One libFuzzer entry point for every reader of user files; the first byte of the input picks
/// the reader (`FUZZ_READER`, if set, fixes it instead), the rest is the file. Every reader must
/// return or throw, never trap, on any input.
///
/// Readers: 0 .npy, 1 CSV, 2 checkpoint, 3 IDX, 4 IDX gzip-compressed, 5 CIFAR-10 binary batches,
/// 6 STL-10 (the first two bytes count the label bytes that follow, the rest are images),
/// 7 checkpoint re-sealed with a valid CRC-32 (so mutations reach the header and payload checks),
/// 8 safetensors (and, when it parses, as a weights file), 9 .npz data set, 10 PNG or JPEG image,
/// 11 system file (TOML; when it compiles, its field, Jacobian and energy are evaluated).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Data(bytes: start, count: count)
    guard let first = bytes.first else { return 0 }
    let fixed = ProcessInfo.processInfo.environment["FUZZ_READER"].flatMap(UInt8.init)
    let reader = fixed ?? first % 12
    let body = Data(fixed == nil ? bytes.dropFirst() : bytes[...])
    switch reader {
    case 0: _ = try? NumPyArray(npyData: body)
    case 1: _ = try? CSVMatrix.parse(String(decoding: body, as: UTF8.self), as: Double.self)
    case 2: _ = try? Checkpoint(data: body)
    case 3, 4:
        // The IDX reader takes paths: the input becomes both the image and the label file.
        guard let path = scratch.write(body, as: reader == 3 ? "input.idx" : "input.idx.gz") else { return 0 }
        _ = try? IDX.read(images: path, labels: path)
    case 5:
        // Every batch of the folder is the input (links made once), so one write feeds the loader.
        guard scratch.write(body, as: "cifar/input.bin") != nil else { return 0 }
        _ = try? CIFAR.load10(scratch.folder + "/cifar")
    case 6:
        let split = body.count >= 2 ? min(body.count - 2, Int(body[body.startIndex]) | Int(body[body.startIndex + 1]) << 8) : 0
        let labels = body.dropFirst(2).prefix(split), images = body.dropFirst(2 + split)
        guard scratch.write(Data(labels), as: "stl10/labels.bin") != nil,
              scratch.write(Data(images), as: "stl10/images.bin") != nil else { return 0 }
        _ = try? STL10.load(scratch.folder + "/stl10")
    case 8:
        if let file = try? SafeTensors(data: body, path: "input.safetensors") { _ = try? Checkpoint(safeTensors: file, path: "input") }
    case 9:
        guard let path = scratch.write(body, as: "input.npz") else { return 0 }
        _ = try? DatasetSpec(parsing: "npz:" + path).load()
    case 10:
        guard let path = scratch.write(body, as: "input.img") else { return 0 }
        _ = try? ImageFolder.decode(path)
    case 11:
        guard let description = try? SystemFile.parse(String(decoding: body, as: UTF8.self), path: "input.toml"),
              let system = try? DefinedSystem<Double>(description) else { return 0 }
        _ = system.rightHandSide(system.initialPoint)
        _ = system.energy(system.initialPoint)
        if system.dimension <= 64 { _ = system.jacobian(at: system.initialPoint) }
        _ = system.diagnose(at: system.initialPoint, time: 0)
    default:
        var sealed = body
        withUnsafeBytes(of: Checkpoint.crc32(body).littleEndian) { sealed.append(contentsOf: $0) }
        _ = try? Checkpoint(data: sealed)
    }
    return 0
}

/// A per-process folder of input files; the dataset folders' fixed names are links to one input
/// so that a loader reading six (CIFAR) or four (STL-10) files costs one write per run.
struct Scratch {
    let folder: String

    init() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-readers-\(getpid())").path
        let fm = FileManager.default
        try? fm.createDirectory(atPath: folder + "/cifar", withIntermediateDirectories: true)
        try? fm.createDirectory(atPath: folder + "/stl10", withIntermediateDirectories: true)
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            try? fm.createSymbolicLink(atPath: "\(folder)/cifar/\(name)", withDestinationPath: "input.bin")
        }
        for (name, target) in [("train_X.bin", "images.bin"), ("test_X.bin", "images.bin"), ("train_y.bin", "labels.bin"), ("test_y.bin", "labels.bin")] {
            try? fm.createSymbolicLink(atPath: "\(folder)/stl10/\(name)", withDestinationPath: target)
        }
    }

    /// Writes `data` to `name` inside the folder; the path, or nil if the write failed.
    func write(_ data: Data, as name: String) -> String? {
        let path = folder + "/" + name
        return FileManager.default.createFile(atPath: path, contents: data) ? path : nil
    }
}

let scratch = Scratch()

/// libFuzzer's driver (LLVM ≥ 11), called from the entry point SwiftPM links an executable
/// target through, since `-sanitize=fuzzer` brings libFuzzer but SwiftPM renames `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzReaders_main")
public func fuzzReadersMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzz($0, $1) }
}
