import Foundation
import Testing
@testable import LinearAlgebra

/// Files a user (or an attacker) can hand in: every one is refused with a `MatrixFileError`,
/// none traps or allocates what the file cannot back.
@Suite("Hostile .npy and CSV input")
struct HostileInputTests {
    @Test("a .npy shape whose element count overflows, or exceeds the file, is refused", arguments: [
        "(4294967296, 4294967296)", "(9223372036854775807, 2)", "(3037000500, 3037000500)", "(1000000, 1000000)",
    ])
    func overflowingShape(shape: String) {
        let data = handMadeNpy(descr: "<f8", fortran: false, shape: shape, payload: littleEndianBytes([1, 2, 3, 4]))
        #expect(throws: MatrixFileError.self) { try NumPyArray(npyData: data) }
    }

    @Test(".npy headers are read as strictly as NumPy: empty tuple elements, control characters and non-tuples are refused",
          arguments: ["(3,,3)", "(,3)", "(3, 3", "3, 3)", "(3\u{0}, 3)", "(-1, 3)", "(3, x)"])
    func strictHeader(shape: String) {
        let data = handMadeNpy(descr: "<f8", fortran: false, shape: shape, payload: littleEndianBytes([Double](repeating: 1, count: 9)))
        #expect(throws: MatrixFileError.self) { try NumPyArray(npyData: data) }
    }

    @Test("the tuples NumPy writes are read: (), (3,), (3, 4), (3, 4,)")
    func validShapes() throws {
        for (shape, dims) in [("()", [Int]()), ("(3,)", [3]), ("(3, 1)", [3, 1]), ("(3, 1,)", [3, 1])] {
            let count = dims.reduce(1, *)
            let data = handMadeNpy(descr: "<f8", fortran: false, shape: shape, payload: littleEndianBytes([Double](repeating: 2, count: count)))
            #expect(try NumPyArray(npyData: data).shape == dims, "\(shape)")
        }
    }

    @Test("a header length beyond the file is refused")
    func headerLength() {
        var data = handMadeNpy(descr: "<f8", fortran: false, shape: "(1,)", payload: littleEndianBytes([1]), version: 2)
        data[8] = 0xFF; data[9] = 0xFF; data[10] = 0xFF; data[11] = 0x7F
        #expect(throws: MatrixFileError.self) { try NumPyArray(npyData: data) }
    }

    @Test("CSV with CRLF line endings and a UTF-8 byte-order mark reads as with LF")
    func crlf() throws {
        let lf = try CSVMatrix.parse("1,2\n3,4\n", as: Double.self)
        #expect(try CSVMatrix.parse("1,2\r\n3,4\r\n", as: Double.self) == lf)
        #expect(try CSVMatrix.parse("\u{FEFF}1,2\r\n3,4", as: Double.self) == lf)
    }

    @Test("messages escape control characters instead of printing them")
    func printableMessages() {
        do {
            _ = try CSVMatrix.parse("1,2\n3,\u{1B}[31m\u{7}\n", path: "x.csv", as: Double.self)
            Issue.record("a cell with control characters was read as a number")
        } catch let e as MatrixFileError {
            #expect(!e.description.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(e.description)")
            #expect(e.description.contains("\\u{1b}"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("SafeSize: products and sums that overflow are nil; fits compares by division")
    func safeSize() {
        #expect(SafeSize.product([1 << 32, 1 << 32]) == nil && SafeSize.product([3, -1]) == nil && SafeSize.product([3, 4]) == 12)
        #expect(SafeSize.sum([Int.max, 1]) == nil && SafeSize.sum([1, nil]) == nil && SafeSize.sum([2, 3]) == 5)
        #expect(!SafeSize.fits(Int.max, width: 8, in: 100) && SafeSize.fits(12, width: 8, in: 96) && !SafeSize.fits(13, width: 8, in: 96))
    }
}
