import Dynamics
import Foundation

/// One libFuzzer entry point for every reader of user files; the first byte of the input picks
/// the reader (`FUZZ_READER`, if set, fixes it instead), the rest is the file. Every reader must
/// return or throw, never trap, on any input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Data(bytes: start, count: count)
    guard let first = bytes.first else { return 0 }
    let reader = ProcessInfo.processInfo.environment["FUZZ_READER"].flatMap(UInt8.init) ?? first % 4
    let body = ProcessInfo.processInfo.environment["FUZZ_READER"] == nil ? bytes.dropFirst() : bytes[...]
    switch reader {
    case 0: _ = try? NumPyArray(npyData: Data(body))
    case 1: _ = try? CSVMatrix.parse(String(decoding: body, as: UTF8.self), as: Double.self)
    case 2: _ = try? Checkpoint(data: Data(body))
    default:
        // The IDX reader takes paths: the input becomes an image file and a label file.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-idx-\(getpid())").path
        guard FileManager.default.createFile(atPath: path, contents: Data(body)) else { return 0 }
        _ = try? IDX.read(images: path, labels: path)
    }
    return 0
}

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
