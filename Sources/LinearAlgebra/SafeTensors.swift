import Foundation

/// Named arrays in the safetensors format (Hugging Face; https://github.com/huggingface/safetensors):
/// 8 bytes, the header's length N as a little-endian UInt64; N bytes of UTF-8 JSON mapping each
/// tensor's name to its `dtype`, `shape` and `data_offsets` [begin, end) in the byte buffer that
/// follows, plus an optional `__metadata__` object of string values; then the buffer, each
/// tensor row-major (C order) and little-endian, the tensors tiling it with no gap or overlap.
///
/// Written as F32 (what networks here train in), the header padded with spaces to a multiple of
/// 8 bytes as the reference writer does; read from F32 or F64, checked as user input: the
/// header's length against the file's before anything is allocated (and at most 100 MB, the
/// reference reader's bound), every shape's element count overflow-checked and equal to its
/// byte range, the ranges tiling the buffer exactly.
public struct SafeTensors: Sendable, Equatable {
    /// One array: its shape (row-major) and values.
    public struct Tensor: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "SafeTensors.Tensor: shape \(shape) for \(values.count) values")
            self.shape = shape
            self.values = values
        }
    }

    /// The tensors in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    /// The header's `__metadata__` (string to string, as the format allows).
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public static func == (a: SafeTensors, b: SafeTensors) -> Bool {
        a.metadata == b.metadata && a.tensors.map(\.name) == b.tensors.map(\.name) && a.tensors.map(\.tensor) == b.tensors.map(\.tensor)
    }

    /// The tensor called `name`, if any.
    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    /// The largest header the reader accepts (the reference implementation's bound).
    public static let maximumHeader = 100_000_000

    /// The file's bytes.
    public func encoded() throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, tensor) in tensors {
            guard header[name] == nil, name != "__metadata__" else { throw MatrixFileError(path: name, problem: "a tensor name used twice, or reserved") }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count]] as [String: Any]
            offset += 4 * tensor.values.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.reserveCapacity(data.count + offset)
        for (_, tensor) in tensors {
            tensor.values.withUnsafeBufferPointer { values in
                var le = values.map { $0.bitPattern.littleEndian }
                data.append(Data(bytes: &le, count: 4 * le.count))
            }
        }
        return data
    }

    /// Writes the file atomically.
    public func write(to path: String) throws { try AtomicFile.write(try encoded(), to: path) }

    /// Reads a file; `MatrixFileError` names it and what is wrong.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw MatrixFileError(path: path, problem: "cannot read the file") }
        try self.init(data: data, path: path)
    }

    /// Parses a file's bytes; `path` names it in errors.
    public init(data: Data, path: String) throws {
        func fail(_ problem: String) -> MatrixFileError { MatrixFileError(path: path, problem: "not a valid safetensors file: \(problem)") }
        guard data.count >= 8 else { throw fail("\(data.count) bytes, shorter than the 8-byte header length") }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(min(Self.maximumHeader, data.count - 8)) else {
            throw fail("a header of \(length) bytes in a file of \(data.count) (at most \(Self.maximumHeader))")
        }
        let headerEnd = 8 + Int(length)
        guard let object = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)), let header = object as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let buffer = data.count - headerEnd
        var entries: [(name: String, shape: [Int], width: Int, range: Range<Int>)] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__ value of '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.map({ $0 as? Int }), let offsets = (entry["data_offsets"] as? [Any])?.map({ $0 as? Int }),
                  offsets.count == 2, let begin = offsets[0], let end = offsets[1], !shape.contains(nil) else {
                throw fail("tensor '\(name)' needs dtype, shape and data_offsets [begin, end] of integers")
            }
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F64": width = 8
            default: throw fail("tensor '\(name)' is \(dtype); Dynamics reads F32 and F64")
            }
            let dims = shape.compactMap { $0 }
            guard dims.allSatisfy({ $0 >= 0 }), let count = SafeSize.product(dims), let bytes = SafeSize.product([count, width]),
                  begin >= 0, end >= begin, end <= buffer, end - begin == bytes else {
                throw fail("tensor '\(name)': shape \(dims) of \(dtype) does not match its bytes [\(begin), \(end)) in a buffer of \(buffer)")
            }
            entries.append((name, dims, width, begin..<end))
        }
        entries.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var next = 0
        for e in entries {
            guard e.range.lowerBound == next else { throw fail("tensor '\(e.name)' starts at byte \(e.range.lowerBound), not at \(next): the tensors must tile the buffer") }
            next = e.range.upperBound
        }
        guard next == buffer else { throw fail("the tensors cover \(next) of the buffer's \(buffer) bytes") }
        tensors = data.withUnsafeBytes { raw in
            entries.map { e in
                let base = headerEnd + e.range.lowerBound, count = e.range.count / e.width
                let values: [Float] = e.width == 4
                    ? (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * $0, as: UInt32.self))) }
                    : (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * $0, as: UInt64.self)))) }
                return (e.name, Tensor(shape: e.shape, values: values))
            }
        }
        self.metadata = metadata
    }
}
