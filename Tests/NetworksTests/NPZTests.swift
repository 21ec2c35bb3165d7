import Foundation
import LinearAlgebra
import Testing
@testable import Networks

/// `.npz` archives built here by hand as `numpy.savez` writes them (stored ZIP members of `.npy`
/// data); `make reference` reads numpy's own `savez_compressed` output (deflate, ZIP64 extras).
enum NPZFixture {
    /// A `.npy` member: header dict padded to 64 bytes, then the data.
    static func npy(_ descr: String, _ shape: [Int], _ data: [UInt8]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"  // () for 0-d
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8) + data
    }

    /// A ZIP archive of stored members.
    static func zip(_ members: [(String, [UInt8])]) -> [UInt8] {
        func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var out: [UInt8] = [], central: [UInt8] = []
        for (name, data) in members {
            let offset = out.count, n = Array(name.utf8), crc = Int(Checkpoint.crc32(Data(data)))
            out += le(0x0403_4B50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) + le(data.count, 4) + le(data.count, 4)
                + le(n.count, 2) + le(0, 2) + n + data
            central += le(0x0201_4B50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) + le(data.count, 4)
                + le(data.count, 4) + le(n.count, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + n
        }
        let start = out.count
        return out + central + le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(members.count, 2) + le(members.count, 2)
            + le(central.count, 4) + le(start, 4) + le(0, 2)
    }

    /// N images of C×H×W bytes, pixel value = 10·image + channel, in NHWC or NCHW.
    static func images(_ n: Int, _ c: Int, _ h: Int, _ w: Int, nhwc: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for i in 0..<n {
            if nhwc { for _ in 0..<(h * w) { for k in 0..<c { out.append(UInt8(10 * i + k)) } } } else {
                for k in 0..<c { out += [UInt8](repeating: UInt8(10 * i + k), count: h * w) }
            }
        }
        return out
    }

    static func write(_ members: [(String, [UInt8])]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dynamics-\(UUID().uuidString).npz").path
        try Data(zip(members)).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func labels(_ values: [Int64]) -> [UInt8] { values.flatMap { v in (0..<8).map { UInt8((UInt64(bitPattern: v) >> (8 * UInt64($0))) & 0xFF) } } }
}

@Suite("npz data sets")
struct NPZTests {
    @Test("NHWC uint8 and NCHW give the same channel-major images; int64 labels; classes from the labels")
    func layouts() throws {
        for nhwc in [true, false] {
            let shape = nhwc ? [3, 8, 8, 3] : [3, 3, 8, 8]
            let path = try NPZFixture.write([
                ("x_train.npy", NPZFixture.npy("|u1", shape, NPZFixture.images(3, 3, 8, 8, nhwc: nhwc))),
                ("y_train.npy", NPZFixture.npy("<i8", [3], NPZFixture.labels([0, 2, 1]))),
                ("x_test.npy", NPZFixture.npy("|u1", [1] + shape.dropFirst(), NPZFixture.images(1, 3, 8, 8, nhwc: nhwc))),
                ("y_test.npy", NPZFixture.npy("<i8", [1], NPZFixture.labels([1]))),
            ])
            defer { try? FileManager.default.removeItem(atPath: path) }
            let (train, test) = try DatasetSpec(parsing: "npz:\(path)").load()
            #expect(train.count == 3 && train.channels == 3 && train.height == 8 && train.width == 8 && train.classes == 3 && test.count == 1)
            #expect(train.labels == [0, 2, 1])
            // Image 2, channel 1: every pixel 21.
            #expect(train.images[(2 * 3 + 1) * 64..<(2 * 3 + 2) * 64].allSatisfy { $0 == 21 })
        }
    }

    @Test("bad archives and arrays are refused by name", arguments: [
        ([("x_train.npy", NPZFixture.npy("|u1", [2, 3, 4, 3], [UInt8](repeating: 0, count: 72)))], "NCHW or NHWC?"),
        ([("x_train.npy", NPZFixture.npy("|u1", [2, 4, 4], [UInt8](repeating: 0, count: 32))), ("layout.npy", NPZFixture.npy("<U4", [], Array("NCWH".unicodeScalars.flatMap { s in (0..<4).map { UInt8((s.value >> (8 * UInt32($0))) & 0xFF) } })))],
         "layout 'NCWH' is neither"),
        ([("y_train.npy", NPZFixture.npy("<i8", [1], NPZFixture.labels([0])))], "no array 'x_train'"),
        ([("x_train.npy", NPZFixture.npy("|u1", [2, 4, 4], [UInt8](repeating: 0, count: 32))), ("y_train.npy", NPZFixture.npy("<i8", [2], NPZFixture.labels([0, -1]))),
          ("x_test.npy", NPZFixture.npy("|u1", [1, 4, 4], [UInt8](repeating: 0, count: 16))), ("y_test.npy", NPZFixture.npy("<i8", [1], NPZFixture.labels([1])))],
         "y_train[1] = -1.0 is not a class index"),
        ([("x_train.npy", NPZFixture.npy("|u1", [2, 4, 4], [UInt8](repeating: 0, count: 31)))], "truncated"),
        ([("x_train.npy", NPZFixture.npy("|b1", [2, 4, 4], [UInt8](repeating: 0, count: 32)))], "is not numeric"),
    ] as [([(String, [UInt8])], String)])
    func refused(members: [(String, [UInt8])], expected: String) throws {
        let path = try NPZFixture.write(members)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try DatasetSpec(parsing: "npz:\(path)").load() } throws: { "\($0)".contains(expected) && "\($0)".contains(path) }
    }

    /// Every prefix of a valid archive, and bytes flipped through it: an error or a data set, never a trap.
    @Test("truncated and corrupted archives never trap")
    func corrupted() throws {
        let bytes = NPZFixture.zip([("x_train.npy", NPZFixture.npy("|u1", [2, 4, 4], [UInt8](repeating: 7, count: 32)))])
        for n in stride(from: 0, to: bytes.count, by: 3) { _ = try? NPZArchive(bytes: Array(bytes[0..<n]), path: "p") }
        for k in stride(from: 0, to: bytes.count, by: 2) {
            var b = bytes
            b[k] ^= 0xFF
            if let archive = try? NPZArchive(bytes: b, path: "p") { _ = try? archive.floats("x_train") }
        }
        #expect(try NPZArchive(bytes: bytes, path: "p").floats("x_train").values == [Float](repeating: 7, count: 32))
    }
}
