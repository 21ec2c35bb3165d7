import CZlib
import Foundation
import LinearAlgebra

/// Everything needed to resume or evaluate a training run, written atomically to
/// `DIR/checkpoint.dyn` after each epoch: a JSON header (configuration, epoch, standardisation,
/// history, array lengths, worker threads) and the arrays (weights, batch-norm statistics,
/// momentum) as little-endian float32.
///
/// Layout (version 2): the 8 bytes `DYNCKPT2`, the header length as a little-endian UInt64, the
/// header, the payload, then the CRC-32 (zlib's, little-endian) of everything before it. A file
/// whose checksum does not match — one flipped bit anywhere — is refused. Version 1 (`DYNCKPT1`,
/// no checksum, written before) is still read. Everything decoded is validated as user input
/// is: sizes against the file's real length before anything is allocated, the configuration as
/// `Architecture` and the CLI check it, and every array finite.
public struct Checkpoint: Sendable {
    public struct Header: Codable, Sendable {
        public var configuration: TrainingConfiguration
        /// Epochs completed.
        public var epoch: Int
        public var inputChannels: Int
        public var height: Int
        public var width: Int
        public var classes: Int
        public var mean: [Float]
        public var std: [Float]
        public var history: [EpochRecord]
        /// The worker threads that cut each batch into chunks (and so fixed the rounding);
        /// absent in version 1.
        public var threads: Int?
        /// Segments (by first unit) that kept their inputs after failing the reconstruction
        /// check (`ReconstructionCheck.fallback`); absent before the check existed.
        public var storedSegments: [Int]?
        /// The ranks of the data-parallel run that wrote it, each with `threads` threads; absent
        /// for one process. (A checkpoint resumes on any number of ranks.)
        public var ranks: Int?
        var parameterLengths: [Int]
        var statisticsLength: Int
        var velocityLengths: [Int]
    }

    public var header: Header
    public var snapshot: NetworkSnapshot

    static let magic = Array("DYNCKPT2".utf8)
    static let magicVersion1 = Array("DYNCKPT1".utf8)

    public init(configuration: TrainingConfiguration, epoch: Int, inputChannels: Int, height: Int, width: Int, classes: Int,
                mean: [Float], std: [Float], history: [EpochRecord], threads: Int, storedSegments: [Int] = [], ranks: Int = 1,
                snapshot: NetworkSnapshot) {
        header = Header(configuration: configuration, epoch: epoch, inputChannels: inputChannels, height: height, width: width,
                        classes: classes, mean: mean, std: std, history: history, threads: threads,
                        storedSegments: storedSegments.isEmpty ? nil : storedSegments, ranks: ranks > 1 ? ranks : nil,
                        parameterLengths: snapshot.parameters.map(\.count), statisticsLength: snapshot.runningMean.count,
                        velocityLengths: snapshot.velocity.map(\.count))
        self.snapshot = snapshot
    }

    /// The checkpoint file inside a folder.
    public static func file(in folder: String) -> String { (folder as NSString).appendingPathComponent("checkpoint.dyn") }

    /// The file's bytes: magic, header length, header, payload, CRC-32.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = Data(Self.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for array in snapshot.parameters + [snapshot.runningMean, snapshot.runningVariance] + snapshot.velocity {
            var le = array.map { $0.bitPattern.littleEndian }
            data.append(Data(bytes: &le, count: le.count * 4))
        }
        withUnsafeBytes(of: Self.crc32(data).littleEndian) { data.append(contentsOf: $0) }
        return data
    }

    /// Writes `DIR/checkpoint.dyn` atomically (creating DIR if needed).
    public func write(to folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(folder, "cannot create the checkpoint folder (\(error.localizedDescription))")
        }
        try AtomicFile.write(try encoded(), to: Self.file(in: folder))
    }

    /// Reads `DIR/checkpoint.dyn`, checking its structure.
    public init(folder: String) throws {
        let path = Self.file(in: folder)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(path, FileManager.default.fileExists(atPath: path) ? "cannot read the checkpoint" : "no checkpoint here (write one by training with this checkpoint folder first)")
        }
        try self.init(data: data, path: path)
    }

    /// Parses and validates a checkpoint's bytes; `path` names it in errors.
    public init(data: Data, path: String = "checkpoint") throws {
        func fail(_ problem: String) -> DatasetError { DatasetError(path, problem) }
        let bytes = [UInt8](data)
        guard bytes.count >= 16 else { throw fail("not a Dynamics checkpoint (too short)") }
        let magic = Array(bytes[0..<8])
        var end = bytes.count
        if magic == Self.magic {
            guard bytes.count >= 20 else { throw fail("truncated checkpoint") }
            end -= 4
            let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[end + $1]) << (8 * UInt32($1)) }
            guard stored == Self.crc32(Data(bytes[0..<end])) else {
                throw fail("checksum mismatch: the checkpoint is corrupt (a changed bit or an incomplete copy) and cannot be used")
            }
        } else if magic != Self.magicVersion1 {
            throw fail("not a Dynamics checkpoint (bad magic; versions 1 and 2 are read)")
        }
        let announced = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[8 + $1]) << (8 * UInt64($1)) }
        guard announced > 0, announced <= UInt64(end - 16) else { throw fail("corrupt checkpoint: its header length \(announced) does not fit the file") }
        let length = Int(announced)
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + length)]))
        } catch {
            throw fail("corrupt checkpoint header (\(String(describing: error).printable.prefix(200)))")
        }
        let lengths = header.parameterLengths + [header.statisticsLength, header.statisticsLength] + header.velocityLengths
        let available = end - 16 - length
        guard let total = SafeSize.sum(lengths), SafeSize.fits(total, width: 4, in: available), total * 4 == available else {
            throw fail("corrupt checkpoint: the array lengths in its header do not match its \(available) bytes of arrays")
        }
        var offset = 16 + length
        var arrays: [[Float]] = []
        for n in lengths {
            let array = bytes.withUnsafeBytes { raw in
                (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self))) }
            }
            guard array.allSatisfy(\.isFinite) else { throw fail("corrupt checkpoint: an array holds a non-finite value") }
            arrays.append(array)
            offset += 4 * n
        }
        let p = header.parameterLengths.count
        snapshot = NetworkSnapshot(parameters: Array(arrays[0..<p]), runningMean: arrays[p], runningVariance: arrays[p + 1],
                                   velocity: Array(arrays[(p + 2)...]))
        try validate(path: path)
    }

    /// What the header says, checked as user input is, before a network is built from it.
    func validate(path: String) throws {
        func fail(_ problem: String) -> DatasetError { DatasetError(path, "corrupt checkpoint: \(problem)") }
        let h = header, c = h.configuration, a = c.architecture
        do {
            _ = try Architecture(block: a.block, units: a.units, filters: a.filters, stepSize: a.stepSize, activation: a.activation)
            try a.checkInput(height: h.height, width: h.width)
        } catch let e as ArchitectureError {
            throw fail(e.description)
        }
        guard (1...4096).contains(h.inputChannels), (1...1 << 20).contains(h.classes), h.height <= 1 << 15, h.width <= 1 << 15 else {
            throw fail("implausible input (\(h.inputChannels) channels of \(h.height)×\(h.width), \(h.classes) classes)")
        }
        guard h.mean.count == h.inputChannels, h.std.count == h.inputChannels, h.mean.allSatisfy(\.isFinite),
              h.std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("the standardisation does not match \(h.inputChannels) input channels")
        }
        do { try c.validate() } catch { throw fail(String(describing: error)) }
        guard (0...c.epochs).contains(h.epoch), h.history.count == h.epoch else {
            throw fail("\(h.epoch) epochs done of \(c.epochs), with \(h.history.count) history records")
        }
        if let t = h.threads, !(1...ComputeContext.maximumThreads).contains(t) { throw fail("\(t) worker threads") }
        if let r = h.ranks, !(2...Int(Int32.max)).contains(r) { throw fail("\(r) ranks") }
        // The arrays must be those of this architecture, counted before a network is built.
        guard h.statisticsLength == a.statisticsCount, h.velocityLengths.isEmpty || h.velocityLengths == h.parameterLengths,
              a.parameterCount(inputChannels: h.inputChannels, classes: h.classes) == h.parameterLengths.reduce(0, +) else {
            throw fail("its arrays do not fit a \(a.block.rawValue) network of widths \(a.filters)")
        }
        guard snapshot.runningVariance.allSatisfy({ $0 >= 0 }) else { throw fail("a negative running variance") }
    }

    /// zlib's CRC-32 of `data`: the checksum that ends a format-2 file, computed over every byte
    /// before it (public for tools that write or repair checkpoints, and for the fuzzer, which
    /// re-seals mutated files so that the header and payload checks behind the checksum are
    /// reached).
    public static func crc32(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { raw in
            var crc = CZlib.crc32(0, nil, 0)
            var offset = 0
            while offset < raw.count {
                let n = min(raw.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, UInt32(n))
                offset += n
            }
            return UInt32(crc)
        }
    }
}
