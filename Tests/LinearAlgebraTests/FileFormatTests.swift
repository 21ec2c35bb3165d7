import Foundation
import Testing
@testable import LinearAlgebra

/// Builds a `.npy` file by hand, independently of `NumPyArray`'s writer.
func handMadeNpy(descr: String, fortran: Bool, shape: String, payload: [UInt8], version: UInt8 = 1) -> Data {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    let preamble = version == 1 ? 10 : 12
    header += String(repeating: " ", count: (64 - (preamble + header.utf8.count + 1) % 64) % 64) + "\n"
    var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0])
    let n = header.utf8.count
    d.append(contentsOf: version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) })
    d.append(contentsOf: Array(header.utf8))
    d.append(contentsOf: payload)
    return d
}

func littleEndianBytes(_ values: [Double]) -> [UInt8] {
    values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
}

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

@Suite("NumPy .npy and CSV files")
struct FileFormatTests {
    @Test("C and Fortran order, versions 1 and 2, give the same matrix")
    func orders() throws {
        // [[1, 2, 3], [4, 5, 6]] in C order and in Fortran order.
        let c = handMadeNpy(descr: "<f8", fortran: false, shape: "(2, 3)", payload: littleEndianBytes([1, 2, 3, 4, 5, 6]))
        let f = handMadeNpy(descr: "<f8", fortran: true, shape: "(2, 3)", payload: littleEndianBytes([1, 4, 2, 5, 3, 6]), version: 2)
        let expected = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(try NumPyArray(npyData: c).matrix(Double.self) == expected)
        #expect(try NumPyArray(npyData: f).matrix(Double.self) == expected)
    }

    @Test("float32 little- and big-endian")
    func float32() throws {
        let values: [Float] = [0.5, -1.25, 3e-3, 7]
        let le = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
        let be = values.flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
        let a = try NumPyArray(npyData: handMadeNpy(descr: "<f4", fortran: false, shape: "(4,)", payload: le))
        let b = try NumPyArray(npyData: handMadeNpy(descr: ">f4", fortran: false, shape: "(4,)", payload: be))
        #expect(a.dtype == .float32 && a.shape == [4])
        #expect(a.values == values.map(Double.init) && b.values == a.values)
    }

    @Test("write then read round-trips bit for bit", arguments: [NumPyArray.DType.float32, .float64])
    func roundTrip(dtype: NumPyArray.DType) throws {
        let values: [Double] = [1.0 / 3.0, -2.5e-300, 1e300, 0, -0.0, 42].map { dtype == .float32 ? Double(Float($0)) : $0 }
        let array = NumPyArray(shape: [3, 2], values: values, dtype: dtype)
        let path = temporaryPath("roundtrip-\(dtype.rawValue).npy")
        try array.write(to: path)
        let back = try NumPyArray(contentsOf: path)
        #expect(back.shape == [3, 2] && back.dtype == dtype)
        #expect(back.values.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count % 64 == (dtype == .float32 ? 24 : 48))
    }

    @Test("bad .npy files name the problem")
    func badNpy() {
        func problem(_ data: Data) -> String {
            do { _ = try NumPyArray(npyData: data, path: "x.npy"); return "no error" } catch { return "\(error)" }
        }
        #expect(problem(Data("hello world".utf8)).contains("not a NumPy .npy file"))
        #expect(problem(handMadeNpy(descr: "<i8", fortran: false, shape: "(2,)", payload: littleEndianBytes([1, 2]))).contains("unsupported dtype '<i8'"))
        #expect(problem(handMadeNpy(descr: "<c16", fortran: false, shape: "(1,)", payload: littleEndianBytes([1, 2]))).contains("unsupported dtype '<c16'"))
        #expect(problem(handMadeNpy(descr: "<f8", fortran: false, shape: "(3, 3)", payload: littleEndianBytes([1, 2]))).contains("truncated data"))
        #expect(problem(Data(handMadeNpy(descr: "<f8", fortran: false, shape: "(1,)", payload: []).prefix(20))).contains("truncated .npy header"))
        #expect(problem(handMadeNpy(descr: "<f8", fortran: false, shape: "(1,)", payload: [], version: 9)).contains("version 9"))
    }

    @Test("CSV: comments and blank lines skipped; ragged rows and junk named by line")
    func csv() throws {
        let m: Matrix<Double> = try CSVMatrix.parse("# header\n1, 2\n\n3,4e-1\n")
        #expect(m == Matrix([[1, 2], [3, 0.4]]))
        #expect(try CSVMatrix.parse(CSVMatrix.render(m), as: Double.self) == m)
        #expect(throws: MatrixFileError(path: "a.csv", problem: "ragged rows: line 2 has 3 entries, earlier rows have 2")) {
            try CSVMatrix.parse("1,2\n3,4,5\n", path: "a.csv", as: Double.self)
        }
        #expect(throws: MatrixFileError(path: "a.csv", problem: "line 1, column 2: 'x' is not a number")) {
            try CSVMatrix.parse("1,x\n", path: "a.csv", as: Double.self)
        }
        #expect(throws: MatrixFileError(path: "a.csv", problem: "the file has no rows")) {
            try CSVMatrix.parse("# nothing\n", path: "a.csv", as: Double.self)
        }
    }

    @Test("MatrixFile dispatches by extension and names missing files")
    func matrixFile() throws {
        let m = Matrix<Float>([[1, 2], [3, 4]])
        for ext in ["npy", "csv"] {
            let path = temporaryPath("m.\(ext)")
            try MatrixFile.write(m, to: path)
            #expect(try MatrixFile.read(path, as: Float.self) == m)
        }
        #expect(throws: MatrixFileError(path: "/nonexistent/a.npy", problem: "no such file")) {
            try MatrixFile.read("/nonexistent/a.npy", as: Double.self)
        }
        #expect(throws: MatrixFileError(path: "a.mat", problem: "unknown file type: use .npy (NumPy) or .csv")) {
            try MatrixFile.read("a.mat", as: Double.self)
        }
    }

    @Test("MatrixRowWriter streams rows into the same file MatrixFile.write makes, Float and Double")
    func rowWriter() throws {
        func check<T: BLASScalar>(_: T.Type, _ ext: String) throws {
            let m = Matrix<T>([[1, -2.5, 3], [0.1, 1e-30, .pi], [7, 8, 9]])
            let whole = temporaryPath("whole-\(T.self).\(ext)"), rows = temporaryPath("rows-\(T.self).\(ext)")
            try MatrixFile.write(m, to: whole)
            let writer = try MatrixRowWriter<T>(path: rows, rows: 3, columns: 3)
            for i in 0..<3 { try writer.append((0..<3).map { m[i, $0] }) }
            try writer.finish()
            #expect(FileManager.default.contents(atPath: rows) == FileManager.default.contents(atPath: whole))
            #expect(try MatrixFile.read(rows, as: T.self) == m)
        }
        for ext in ["npy", "csv"] {
            try check(Float.self, ext)
            try check(Double.self, ext)
        }
    }

    @Test("A row writer dropped before finish leaves the old file and no temporary")
    func abandonedRowWriter() throws {
        let path = temporaryPath("abandoned.npy")
        try MatrixFile.write(Matrix<Double>([[42]]), to: path)
        do {
            let writer = try MatrixRowWriter<Double>(path: path, rows: 1_000_000, columns: 2)
            for _ in 0..<100_000 { try writer.append([1, 2]) }  // more than one buffer's worth
        }
        #expect(try MatrixFile.read(path, as: Double.self) == Matrix<Double>([[42]]))
        let folder = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".abandoned.npy.partial") }.isEmpty)
    }

    @Test("A .npy larger than the free space is refused before anything is written")
    func rowWriterFreeSpace() throws {
        let path = temporaryPath("huge.npy")
        #expect(throws: MatrixFileError.self) { try MatrixRowWriter<Double>(path: path, rows: Int.max / 16, columns: 2) }
        #expect(throws: MatrixFileError.self) { try MatrixRowWriter<Double>(path: path, rows: 1 << 50, columns: 1) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
