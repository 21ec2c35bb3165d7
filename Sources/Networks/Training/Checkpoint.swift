import Foundation
import LinearAlgebra

/// Everything needed to resume or evaluate a training run, written atomically to
/// `DIR/checkpoint.dyn` after each epoch: a JSON header (configuration, epoch, standardisation,
/// history, array lengths) and the arrays (weights, batch-norm statistics, momentum) as
/// little-endian float32.
///
/// Layout: the 8 bytes `DYNCKPT1`, the header length as a little-endian UInt64, the header,
/// then the payload.
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
        var parameterLengths: [Int]
        var statisticsLength: Int
        var velocityLengths: [Int]
    }

    public var header: Header
    public var snapshot: NetworkSnapshot

    static let magic = Array("DYNCKPT1".utf8)

    public init(configuration: TrainingConfiguration, epoch: Int, inputChannels: Int, height: Int, width: Int, classes: Int,
                mean: [Float], std: [Float], history: [EpochRecord], snapshot: NetworkSnapshot) {
        header = Header(configuration: configuration, epoch: epoch, inputChannels: inputChannels, height: height, width: width,
                        classes: classes, mean: mean, std: std, history: history,
                        parameterLengths: snapshot.parameters.map(\.count), statisticsLength: snapshot.runningMean.count,
                        velocityLengths: snapshot.velocity.map(\.count))
        self.snapshot = snapshot
    }

    /// The checkpoint file inside a folder.
    public static func file(in folder: String) -> String { (folder as NSString).appendingPathComponent("checkpoint.dyn") }

    /// Writes `DIR/checkpoint.dyn` atomically (creating DIR if needed).
    public func write(to folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(folder, "cannot create the checkpoint folder (\(error.localizedDescription))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = Data(Self.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        let arrays = snapshot.parameters + [snapshot.runningMean, snapshot.runningVariance] + snapshot.velocity
        for array in arrays {
            var le = array.map { $0.bitPattern.littleEndian }
            data.append(Data(bytes: &le, count: le.count * 4))
        }
        try AtomicFile.write(data, to: Self.file(in: folder))
    }

    /// Reads `DIR/checkpoint.dyn`, checking its structure.
    public init(folder: String) throws {
        let path = Self.file(in: folder)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(path, FileManager.default.fileExists(atPath: path) ? "cannot read the checkpoint" : "no checkpoint here (write one by training with this checkpoint folder first)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes[0..<8]) == Self.magic else { throw DatasetError(path, "not a Dynamics checkpoint (bad magic)") }
        let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[8 + $1]) << (8 * UInt64($1)) })
        guard length > 0, 16 + length <= bytes.count else { throw DatasetError(path, "truncated checkpoint header") }
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + length)]))
        } catch {
            throw DatasetError(path, "corrupt checkpoint header (\(error))")
        }
        let lengths = header.parameterLengths + [header.statisticsLength, header.statisticsLength] + header.velocityLengths
        guard bytes.count == 16 + length + 4 * lengths.reduce(0, +) else {
            throw DatasetError(path, "the checkpoint is truncated: its arrays need \(4 * lengths.reduce(0, +)) bytes")
        }
        var offset = 16 + length
        var arrays: [[Float]] = []
        for n in lengths {
            arrays.append(bytes.withUnsafeBytes { raw in
                (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self))) }
            })
            offset += 4 * n
        }
        let p = header.parameterLengths.count
        snapshot = NetworkSnapshot(parameters: Array(arrays[0..<p]), runningMean: arrays[p], runningVariance: arrays[p + 1],
                                   velocity: Array(arrays[(p + 2)...]))
    }
}
