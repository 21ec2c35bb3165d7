import Foundation
import Testing
@testable import Networks

/// Small PNG and JPEG folders written by Pillow (`Fixtures/images`): pixel (y, x) has
/// R = 40 (cat) or 200 (dog), G = 255 − R, B = 16x mod 256.
@Suite("Image folders: PNG and JPEG through libpng and libjpeg-turbo")
struct ImageFolderTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/images/\(name)").path
    }

    @Test("one size: classes sorted, labels by folder, channel-major RGB values as stored (PNG exact)")
    func plain() throws {
        let (train, test) = try ImageFolder.load(Self.fixture("plain"), size: nil)
        #expect(train.count == 2 && test.count == 2 && train.classes == 2 && train.channels == 3 && train.height == 4 && train.width == 4)
        #expect(train.labels == [0, 1])
        // Image 0 (class a: R = 10): R plane all 10, G plane 245, B = 16x.
        #expect(train.images[0..<16].allSatisfy { $0 == 10 } && train.images[16..<32].allSatisfy { $0 == 245 })
        #expect(Array(train.images[32..<36]) == [0, 16, 32, 48])
    }

    /// JPEG is lossy (quality 95 here: within a few levels of the PNG values on these flat images).
    @Test("mixed sizes need a size; scaled to cover and centre-cropped; JPEG within a few levels")
    func sizes() throws {
        #expect { try ImageFolder.load(Self.fixture("valid"), size: nil) } throws: { $0 is ImageFolder.SizesDiffer && "\($0)".contains("they need one size") }
        let (train, test) = try ImageFolder.load(Self.fixture("valid"), size: ImageSize(height: 6, width: 6))
        #expect(train.count == 6 && test.count == 2 && train.height == 6 && train.width == 6)
        #expect(train.labels == [0, 0, 0, 1, 1, 1])
        for n in 0..<train.count {
            let red = train.images[(n * 3) * 36..<(n * 3 + 1) * 36]
            let expected: Float = train.labels[n] == 0 ? 40 : 200
            #expect(red.allSatisfy { abs($0 - expected) <= 4 }, "image \(n): \(Array(red.prefix(4)))")
        }
    }

    @Test("mixed channels, a truncated or fake image and an empty class are refused by name")
    func refused() throws {
        #expect { try ImageFolder.load(Self.fixture("mixed"), size: nil) } throws: { "\($0)".contains("b/0.png: 1 channel (grey), but") }
        #expect { try ImageFolder.load(Self.fixture("broken"), size: nil) } throws: { "\($0)".contains("truncated.png: unreadable image") }
        #expect { try ImageFolder.decode(Self.fixture("broken/test/a/notes.jpg")) } throws: { "\($0)".contains("neither PNG nor JPEG") }
        #expect { try ImageFolder.load(Self.fixture("emptyclass"), size: nil) } throws: { "\($0)".contains("train/b: a class with no .png or .jpg images") }
        #expect { try ImageFolder.load(Self.fixture("nothing"), size: nil) } throws: { "\($0)".contains("no class folders") }
    }

    @Test("folder:DIR through DatasetSpec with a size")
    func spec() throws {
        var spec = try DatasetSpec(parsing: "folder:\(Self.fixture("valid"))")
        spec.imageSize = ImageSize(height: 4, width: 4)
        let (train, _) = try spec.load()
        #expect(train.height == 4 && train.width == 4 && train.count == 6)
    }
}
