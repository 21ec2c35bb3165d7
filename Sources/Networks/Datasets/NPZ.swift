import CZlib
import Foundation
import LinearAlgebra

/// NumPy's `.npz` archives (`numpy.savez`, `numpy.savez_compressed`): a ZIP file of `.npy`
/// members, stored or deflated (PKWARE's APPNOTE 6.3: end-of-central-directory record, central
/// directory, local headers; ZIP64 records where NumPy writes them). Every size is checked
/// against the file's before anything is allocated, and a member inflates at most to the size
/// its directory entry announces.
///
/// Written here rather than taken from ZIPFoundation (among the machine's packages): reading
/// needs only the central directory and raw inflate, which zlib (already linked for `.gz`)
/// provides, and each size must be checked as user input before allocating, which this reader
/// does and the fuzzer exercises (`make fuzz`, reader 9).
struct NPZArchive {
    /// The members by name without `.npy`, as `numpy.load` names them: where each one's data is.
    private var members: [String: (offset: Int, compressed: Int, size: Int, deflated: Bool)] = [:]
    private let bytes: [UInt8]
    let path: String

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(path, FileManager.default.fileExists(atPath: path) ? "cannot read the file (check its permissions)" : "no such file")
        }
        try self.init(bytes: [UInt8](data), path: path)
    }

    init(bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        func fail(_ problem: String) -> DatasetError { DatasetError(path, "not a valid .npz (ZIP) archive: \(problem)") }
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
        // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
        guard bytes.count >= 22,
              let end = stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1).first(where: { u32($0) == 0x0605_4B50 }) else {
            throw fail("no end-of-central-directory record")
        }
        var count = u16(end + 10), directory = u32(end + 16)
        if (count == 0xFFFF || directory == 0xFFFF_FFFF), end >= 20, u32(end - 20) == 0x0706_4B50 {
            let record = u64(end - 20 + 8)
            guard bytes.count >= 56, record <= UInt64(bytes.count - 56), u32(Int(record)) == 0x0606_4B50 else { throw fail("a bad ZIP64 record") }
            let r = Int(record)
            guard u64(r + 32) <= UInt64(Int.max), u64(r + 48) <= UInt64(bytes.count) else { throw fail("a bad ZIP64 record") }
            count = Int(u64(r + 32))
            directory = Int(u64(r + 48))
        }
        var p = directory
        for _ in 0..<count {
            guard p + 46 <= bytes.count, u32(p) == 0x0201_4B50 else { throw fail("a damaged central directory") }
            let method = u16(p + 10), nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            var compressed = UInt64(u32(p + 20)), size = UInt64(u32(p + 24)), local = UInt64(u32(p + 42))
            guard p + 46 + nameLength + extraLength + commentLength <= bytes.count else { throw fail("a damaged central directory") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra field (id 1): the 64-bit values of the fields saturated at 0xFFFFFFFF, in order.
            var e = p + 46 + nameLength
            while e + 4 <= p + 46 + nameLength + extraLength {
                let id = u16(e), length = u16(e + 2)
                if id == 1 {
                    var k = e + 4
                    let limit = min(e + 4 + length, p + 46 + nameLength + extraLength)
                    if size == 0xFFFF_FFFF, k + 8 <= limit { size = u64(k); k += 8 }
                    if compressed == 0xFFFF_FFFF, k + 8 <= limit { compressed = u64(k); k += 8 }
                    if local == 0xFFFF_FFFF, k + 8 <= limit { local = u64(k) }
                }
                e += 4 + length
            }
            guard method == 0 || method == 8 else { throw fail("member '\(name.printable)' uses compression method \(method) (stored and deflate are read)") }
            guard bytes.count >= 30, local <= UInt64(bytes.count - 30), compressed <= UInt64(bytes.count), size <= UInt64(Int.max) else {
                throw fail("member '\(name.printable)' lies outside the file")
            }
            let l = Int(local)
            guard u32(l) == 0x0403_4B50 else { throw fail("member '\(name.printable)' has no local header") }
            let start = l + 30 + u16(l + 26) + u16(l + 28)
            guard start + Int(compressed) <= bytes.count else { throw fail("member '\(name.printable)' is truncated") }
            guard method == 8 || compressed == size else { throw fail("stored member '\(name.printable)' announces two sizes") }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            members[key] = (start, Int(compressed), Int(size), method == 8)
            p += 46 + nameLength + extraLength + commentLength
        }
    }

    /// The array names.
    var names: [String] { members.keys.sorted() }

    /// Deflate expands at most 1032:1 (RFC 1951's longest match per bit); an entry announcing
    /// more than that of its compressed size (plus 1 MB) is refused before any allocation.
    static let maximumExpansion = 1032

    /// A member's bytes (inflated), checked against the size its entry announces.
    func data(_ name: String) throws -> [UInt8] {
        guard let m = members[name] else { throw DatasetError(path, "no array '\(name)' (it has \(names.joined(separator: ", ")))") }
        guard SafeSize.fitsInMemory(m.size, width: 1) else { throw DatasetError(path, "array '\(name)' announces \(m.size) bytes, more than this machine's memory") }
        guard m.compressed <= Int(UInt32.max), m.size <= Int(UInt32.max) else {
            throw DatasetError(path, "array '\(name)' is over 4 GB; split the data set or save it uncompressed as .npy files")
        }
        guard !m.deflated || m.size <= m.compressed * Self.maximumExpansion + (1 << 20) else {
            throw DatasetError(path, "array '\(name)' announces \(m.size) bytes from \(m.compressed) compressed, more than deflate can expand (a corrupt archive)")
        }
        guard m.deflated else { return Array(bytes[m.offset..<(m.offset + m.size)]) }
        var out = [UInt8](repeating: 0, count: m.size)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw DatasetError(path, "cannot start zlib") }
        defer { inflateEnd(&stream) }
        let status: Int32 = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + m.offset)
                stream.avail_in = UInt32(m.compressed)
                stream.next_out = output.baseAddress
                stream.avail_out = UInt32(m.size)
                return inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == m.size else {
            throw DatasetError(path, "array '\(name)' does not inflate to its announced \(m.size) bytes (corrupt archive)")
        }
        return out
    }

    /// A numeric member as Float values in C order, with its shape: unsigned and signed
    /// integers of 1–8 bytes, float32 and float64, either byte order.
    func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let bytes = try data(name), where_ = "\(path) [\(name)]"
        let h: NumPyArray.Header
        do { h = try NumPyArray.header(of: bytes, path: where_) } catch let e as MatrixFileError { throw DatasetError(where_, e.problem) }
        guard let kind = h.code.first, "uif".contains(kind), let width = Int(h.code.dropFirst()), [1, 2, 4, 8].contains(width),
              kind != "f" || width >= 4 else {
            throw DatasetError(where_, "dtype '\(h.code.printable)' is not numeric (integers and float32/float64 are read)")
        }
        guard !h.fortranOrder || h.shape.count <= 1 else { throw DatasetError(where_, "Fortran order; save numpy.ascontiguousarray(a) instead") }
        guard let count = SafeSize.product(h.shape), SafeSize.fits(count, width: width, in: bytes.count - h.dataStart) else {
            throw DatasetError(where_, "shape \(h.shape) needs more bytes than the array has (truncated)")
        }
        let values: [Float] = bytes.withUnsafeBytes { raw in
            (0..<count).map { k in
                let bits = NumPyArray.bits(raw, at: h.dataStart + k * width, width: width, bigEndian: h.bigEndian)
                switch (kind, width) {
                case ("f", 4): return Float(bitPattern: UInt32(truncatingIfNeeded: bits))
                case ("f", _): return Float(Double(bitPattern: bits))
                case ("u", _): return Float(bits)
                default:
                    let shift = UInt64(64 - 8 * width)
                    return Float(Int64(bitPattern: bits << shift) >> Int64(shift))
                }
            }
        }
        return (h.shape, values)
    }

    /// A 0-d or 1-element string member (`numpy.str_`, dtype `<U…`), if it is one.
    func string(_ name: String) throws -> String? {
        guard members[name] != nil else { return nil }
        let bytes = try data(name)
        let h: NumPyArray.Header
        do { h = try NumPyArray.header(of: bytes, path: "\(path) [\(name)]") } catch let e as MatrixFileError { throw DatasetError(path, e.problem) }
        guard h.code.first == "U", let n = Int(h.code.dropFirst()), n <= 64, h.dataStart + 4 * n <= bytes.count else {
            throw DatasetError("\(path) [\(name)]", "expected a short string such as 'NHWC', got dtype '\(h.code.printable)'")
        }
        let scalars = (0..<n).compactMap { k -> Unicode.Scalar? in
            let o = h.dataStart + 4 * k
            let v = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[o + (h.bigEndian ? 3 - $1 : $1)]) << (8 * UInt32($1)) }
            return v == 0 ? nil : Unicode.Scalar(v)
        }
        return String(String.UnicodeScalarView(scalars))
    }
}

/// `npz:FILE`: arrays `x_train`, `y_train`, `x_test`, `y_test` (Keras's names), images as
/// N×H×W (one channel), N×C×H×W or N×H×W×C, uint8 or any integer or float type, at any size;
/// labels integers from 0. The layout is the `layout` array's ('NCHW' or 'NHWC') if given, else
/// inferred: the axis of 1, 3 or 4 channels beside two larger ones; an ambiguous shape is
/// refused with that advice.
enum NPZ {
    static func load(_ path: String) throws -> (train: Dataset, test: Dataset) {
        let archive = try NPZArchive(path: path)
        let layout = try archive.string("layout")
        if let layout, !["NCHW", "NHWC"].contains(layout) { throw DatasetError(path, "layout '\(layout.printable)' is neither NCHW nor NHWC") }
        let train = try images(try archive.floats("x_train"), "x_train", layout: layout, path: path)
        let test = try images(try archive.floats("x_test"), "x_test", layout: layout, path: path)
        guard (train.channels, train.height, train.width) == (test.channels, test.height, test.width) else {
            throw DatasetError(path, "x_train's images are \(train.channels)×\(train.height)×\(train.width), x_test's \(test.channels)×\(test.height)×\(test.width)")
        }
        let ytrain = try labels(try archive.floats("y_train"), "y_train", count: train.count, path: path)
        let ytest = try labels(try archive.floats("y_test"), "y_test", count: test.count, path: path)
        let classes = (ytrain + ytest).max().map { $0 + 1 } ?? 0
        guard classes >= 2 else { throw DatasetError(path, "the labels name \(classes) class; at least 2 are needed") }
        let name = (path as NSString).lastPathComponent
        return (Dataset(name: name, channels: train.channels, height: train.height, width: train.width, classes: classes, images: train.values, labels: ytrain),
                Dataset(name: name, channels: test.channels, height: test.height, width: test.width, classes: classes, images: test.values, labels: ytest))
    }

    /// Images in channel-major order per image (N×C×H×W).
    static func images(_ array: (shape: [Int], values: [Float]), _ name: String, layout: String?, path: String) throws
        -> (count: Int, channels: Int, height: Int, width: Int, values: [Float]) {
        let s = array.shape
        func plausible(_ c: Int) -> Bool { [1, 3, 4].contains(c) }
        switch s.count {
        case 3: return (s[0], 1, s[1], s[2], array.values)
        case 4:
            let nhwc: Bool
            if let layout { nhwc = layout == "NHWC" } else if plausible(s[3]) && !plausible(s[1]) { nhwc = true } else if plausible(s[1]) && !plausible(s[3]) {
                nhwc = false
            } else {
                throw DatasetError(path, "\(name) has shape \(s): NCHW or NHWC? Add an array layout='NCHW' or 'NHWC' (numpy.savez(..., layout='NHWC'))")
            }
            guard !s.contains(0) else { throw DatasetError(path, "\(name) has an empty dimension: \(s)") }
            guard nhwc else { return (s[0], s[1], s[2], s[3], array.values) }
            let (n, h, w, c) = (s[0], s[1], s[2], s[3])
            var out = [Float](repeating: 0, count: array.values.count)
            for i in 0..<n { for y in 0..<h { for x in 0..<w { for k in 0..<c {
                out[((i * c + k) * h + y) * w + x] = array.values[((i * h + y) * w + x) * c + k]
            } } } }
            return (n, c, h, w, out)
        default:
            throw DatasetError(path, "\(name) has shape \(s); images are N×H×W, N×C×H×W or N×H×W×C")
        }
    }

    static func labels(_ array: (shape: [Int], values: [Float]), _ name: String, count: Int, path: String) throws -> [Int] {
        guard array.shape == [count] || array.shape == [count, 1] else {
            throw DatasetError(path, "\(name) has shape \(array.shape); \(count) labels (one per image) are needed")
        }
        return try array.values.enumerated().map { i, v in
            guard v >= 0, v < Float(1 << 20), v == v.rounded() else { throw DatasetError(path, "\(name)[\(i)] = \(v) is not a class index (an integer from 0)") }
            return Int(v)
        }
    }
}
