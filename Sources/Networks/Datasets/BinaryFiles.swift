import CZlib
import Foundation
import LinearAlgebra

/// Reading data files whole, or only as far as needed: `.gz` files are decompressed, and a
/// decompression stops at the size the caller allows, so a small file cannot inflate into
/// gigabytes (a "decompression bomb") before its header has been checked.
enum BinaryFile {
    /// Decompressed data of a `.gz` file may be at most this many times the compressed size
    /// (plus 1 MB). Deflate can reach about 1000×; real image data compresses 2–10× (MNIST's
    /// images 4.8×), so a file claiming more is refused as implausible (decompress it first:
    /// an uncompressed file is bounded by its own size). 16× keeps a 10 MB file's images, as
    /// floats, under 1 GB.
    static let maximumExpansion = 16

    /// The bytes of `path` (decompressed if it ends in `.gz`), at most `limit` of them.
    static func read(_ path: String, upTo limit: Int = .max) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(path, "no such file") }
        if path.hasSuffix(".gz") { return try gunzip(path, upTo: limit) }
        guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError(path, "cannot read the file (check its permissions)") }
        return [UInt8](data.prefix(limit))
    }

    /// The most bytes a `.gz` file may plausibly decompress to (see `maximumExpansion`); the
    /// file's size itself for other files.
    static func plausibleSize(_ path: String) throws -> Int {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw DatasetError(path, "cannot read the file (check its permissions)")
        }
        guard path.hasSuffix(".gz") else { return size }
        let (expanded, overflow) = size.multipliedReportingOverflow(by: maximumExpansion)
        return overflow ? .max : expanded + (1 << 20)
    }

    static func gunzip(_ path: String, upTo limit: Int) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else { throw DatasetError(path, "cannot open the gzip file") }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while out.count < limit {
            let want = min(buffer.count, limit - out.count)
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(want)) }
            if n < 0 { throw DatasetError(path, "corrupt gzip data") }
            if n == 0 { break }
            out += buffer[0..<Int(n)]
        }
        return out
    }
}
