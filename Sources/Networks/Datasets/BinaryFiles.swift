import CZlib
import Foundation

/// Reading whole files, plain or gzip-compressed.
enum BinaryFile {
    /// The bytes of `path`, decompressed if it ends in `.gz`.
    static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(path, "no such file") }
        if path.hasSuffix(".gz") { return try gunzip(path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError(path, "cannot read the file (check its permissions)") }
        return [UInt8](data)
    }

    static func gunzip(_ path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else { throw DatasetError(path, "cannot open the gzip file") }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { throw DatasetError(path, "corrupt gzip data") }
            if n == 0 { break }
            out += buffer[0..<Int(n)]
        }
        return out
    }
}
