import Foundation

/// An n-dimensional float32/float64 array in NumPy's `.npy` format, versions 1.0, 2.0 and 3.0
/// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
///
/// Values are held as `Double` whatever the file's dtype (a `Float` widens exactly), in C
/// (row-major) order; `dtype` records what the file held so a round trip keeps it.
public struct NumPyArray: Equatable, Sendable {
    /// The element types this reader understands.
    public enum DType: String, Sendable {
        case float32 = "f4"
        case float64 = "f8"

        /// The dtype that holds `T` exactly.
        public static func of<T: BLASScalar>(_: T.Type) -> DType { T.self == Float.self ? .float32 : .float64 }
    }

    /// The dimensions, outermost first.
    public var shape: [Int]
    /// The entries in C order (last index fastest).
    public var values: [Double]
    /// The element type stored in (or to be written to) the file.
    public var dtype: DType

    public init(shape: [Int], values: [Double], dtype: DType = .float64) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NumPyArray: negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == values.count,
                     "NumPyArray: \(values.count) values cannot fill shape \(shape)")
        self.shape = shape
        self.values = values
        self.dtype = dtype
    }

    /// A 2-D array holding `matrix` (written in C order).
    public init<T: BLASScalar>(_ matrix: Matrix<T>) {
        self.init(shape: [matrix.rows, matrix.columns],
                  values: matrix.rowMajorElements.map { Double($0) },
                  dtype: .of(T.self))
    }

    /// The array as a matrix; a 1-D array becomes a column.
    public func matrix<T: BLASScalar>(_: T.Type = T.self, path: String = "array") throws -> Matrix<T> {
        switch shape.count {
        case 1: return Matrix(rows: shape[0], columns: 1, columnMajor: values.map { T($0) })
        case 2: return Matrix(rows: shape[0], columns: shape[1], rowMajor: values.map { T($0) })
        default:
            throw MatrixFileError(path: path, problem: "expected a 2-D array, found shape \(shape)")
        }
    }
}

// MARK: - Reading

extension NumPyArray {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads a `.npy` file.
    ///
    /// - Throws: `MatrixFileError` naming the file for a missing or unreadable file, a wrong magic
    ///   string, an unknown version, a malformed header, an unsupported dtype (integers, complex,
    ///   objects), or a truncated data section.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw MatrixFileError(path: path, problem: exists ? "cannot read the file (check its permissions)" : "no such file")
        }
        try self.init(npyData: data, path: path)
    }

    /// What a `.npy` header says: the dtype as NumPy spells it without its byte-order mark
    /// (`f4`, `u1`, `i8`, `U4`, …), the byte order, the memory order, the shape, and where the
    /// data begins.
    public struct Header: Sendable, Equatable {
        /// The dtype as written (`<f4`).
        public var descr: String
        public var code: String
        public var bigEndian: Bool
        public var fortranOrder: Bool
        public var shape: [Int]
        public var dataStart: Int
    }

    /// Parses a `.npy` header as strictly as NumPy (magic, version 1–3, a Python-literal
    /// dictionary of text, a tuple shape); the dtype is not checked here.
    public static func header(of bytes: [UInt8], path: String) throws -> Header {
        func fail(_ problem: String) -> MatrixFileError { MatrixFileError(path: path, problem: problem) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else {
            throw fail("not a NumPy .npy file (the magic string \\x93NUMPY is missing)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(bytes[7]) (versions 1, 2 and 3 are read)")
        }
        guard bytes.count >= headerStart + headerLength else { throw fail("truncated .npy header") }
        guard headerLength <= bytes.count - headerStart else { throw fail("truncated .npy header") }
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        // NumPy's header is a Python literal padded with spaces and ended by a newline: no other
        // control characters (a NUL, say) belong in it.
        guard !headerBytes.contains(where: { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D) || $0 == 0x7F }),
              let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("the .npy header is not text (it holds control characters or invalid bytes)")
        }
        let descr = try Self.field("descr", in: header, path: path)
        let fortran = try Self.field("fortran_order", in: header, path: path)
        let shapeText = try Self.field("shape", in: header, path: path)
        guard let descrString = Self.unquote(descr), let order = descrString.first, "<>=|".contains(order) else {
            throw fail("cannot read the dtype \(descr.printable)")
        }
        guard fortran == "True" || fortran == "False" else { throw fail("cannot read fortran_order \(fortran.printable)") }
        return Header(descr: descrString, code: String(descrString.dropFirst()), bigEndian: order == ">", fortranOrder: fortran == "True",
                      shape: try Self.parseShape(shapeText, path: path), dataStart: headerStart + headerLength)
    }

    /// The bits of the element of `width` bytes (1, 2, 4 or 8) at `offset` in a `.npy`
    /// payload, in the host's order, zero-extended: what each dtype reinterprets.
    @inlinable
    public static func bits(_ raw: UnsafeRawBufferPointer, at offset: Int, width: Int, bigEndian: Bool) -> UInt64 {
        switch width {
        case 1: return UInt64(raw[offset])
        case 2:
            let b = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
            return UInt64(bigEndian ? UInt16(bigEndian: b) : UInt16(littleEndian: b))
        case 4:
            let b = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            return UInt64(bigEndian ? UInt32(bigEndian: b) : UInt32(littleEndian: b))
        default:
            let b = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            return bigEndian ? UInt64(bigEndian: b) : UInt64(littleEndian: b)
        }
    }

    /// Parses the bytes of a `.npy` file; `path` only names it in errors.
    public init(npyData data: Data, path: String = "array") throws {
        let bytes = [UInt8](data)
        func fail(_ problem: String) -> MatrixFileError { MatrixFileError(path: path, problem: problem) }
        let h = try Self.header(of: bytes, path: path)
        guard let dtype = DType(rawValue: h.code) else {
            throw fail("unsupported dtype '\(h.descr.printable)': only float32 and float64 are read; convert with arr.astype(numpy.float64)")
        }
        let shape = h.shape, dataStart = h.dataStart
        let width = dtype == .float32 ? 4 : 8
        guard let count = SafeSize.product(shape), SafeSize.fits(count, width: width, in: bytes.count - dataStart) else {
            throw fail("truncated data: shape \(shape) needs more than the \(bytes.count - dataStart) bytes the file has")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for k in 0..<count {
                let bits = Self.bits(raw, at: dataStart + k * width, width: width, bigEndian: h.bigEndian)
                values[k] = dtype == .float32 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : Double(bitPattern: bits)
            }
        }
        if h.fortranOrder && shape.count > 1 { values = Self.fortranToC(values, shape: shape) }
        self.init(shape: shape, values: values, dtype: dtype)
    }

    /// The value text of `'key': value` in a header dictionary.
    static func field(_ key: String, in header: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
              let colon = header[keyRange.upperBound...].firstIndex(of: ":") else {
            throw MatrixFileError(path: path, problem: "the .npy header has no '\(key)' entry")
        }
        var rest = header[header.index(after: colon)...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else {
                throw MatrixFileError(path: path, problem: "the .npy header's '\(key)' is not closed")
            }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    static func unquote(_ s: String) -> String? {
        guard s.count >= 2, let q = s.first, q == "'" || q == "\"", s.last == q else { return nil }
        return String(s.dropFirst().dropLast())
    }

    /// A Python tuple of non-negative integers, as strictly as NumPy reads it: `()`, `(3,)`,
    /// `(3, 4)` or `(3, 4,)`; an empty element such as `(3,,3)` is refused.
    static func parseShape(_ text: String, path: String) throws -> [Int] {
        let fail = MatrixFileError(path: path, problem: "cannot read the shape \(text.printable)")
        guard text.hasPrefix("("), text.hasSuffix(")") else { throw fail }
        var parts = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count > 1, parts.last == "" { parts.removeLast() }  // the trailing comma of (3,)
        if parts == [""] { return [] }
        var shape: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.allSatisfy(\.isASCII), let d = Int(p.hasSuffix("L") ? String(p.dropLast()) : p), d >= 0 else { throw fail }
            shape.append(d)
        }
        return shape
    }

    /// Reorders Fortran-ordered (first index fastest) values into C order.
    static func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
        var out = [Double](repeating: 0, count: values.count)
        let d = shape.count
        var fStride = [Int](repeating: 1, count: d)
        for k in 1..<d { fStride[k] = fStride[k - 1] * shape[k - 1] }
        var index = [Int](repeating: 0, count: d)
        for c in 0..<values.count {
            var f = 0
            for k in 0..<d { f += index[k] * fStride[k] }
            out[c] = values[f]
            var k = d - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return out
    }
}

// MARK: - Writing

extension NumPyArray {
    /// The bytes of a version-1.0 `.npy` file in C order, little-endian (version 2.0 if the
    /// header would not fit in 65535 bytes).
    public var npyData: Data {
        var data = Self.header(shape: shape, dtype: dtype)
        switch dtype {
        case .float32:
            var le = values.map { Float($0).bitPattern.littleEndian }
            data.append(Data(bytes: &le, count: le.count * 4))
        case .float64:
            var le = values.map { $0.bitPattern.littleEndian }
            data.append(Data(bytes: &le, count: le.count * 8))
        }
        return data
    }

    /// The preamble and header of a `.npy` file holding an array of `shape` and `dtype` in C
    /// order: version 1.0, or 2.0 if the header would not fit in 65535 bytes. The data follow
    /// it directly, so a writer that knows the shape can stream the values after it.
    public static func header(shape: [Int], dtype: DType) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // The preamble plus header is padded with spaces to a multiple of 64 and ends in \n.
        let v2 = header.utf8.count + 12 > 65535
        let preamble = v2 ? 12 : 10
        let padding = (64 - (preamble + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [v2 ? 2 : 1, 0])
        let length = header.utf8.count
        if v2 {
            data.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) })
        } else {
            data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        }
        data.append(contentsOf: Array(header.utf8))
        return data
    }

    /// Writes the array atomically (a temporary file in the same folder, then a rename), so an
    /// interrupted write never leaves a truncated file.
    public func write(to path: String) throws {
        try AtomicFile.write(npyData, to: path)
    }
}
