import Foundation
import LinearAlgebra

/// The training log: one JSON line per epoch (`EpochRecord`), appended after the epoch's
/// checkpoint is written. A kill between the two leaves the log an epoch short; `sync` appends
/// what the checkpoint's history has beyond the log's last epoch, so a resumed run's log has
/// every epoch once.
enum TrainingLog {
    /// Checks, before any work, that the log can be appended to: an existing file must be
    /// writable; otherwise the checks of any new output (`AtomicFile.checkWritable`).
    static func checkWritable(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            guard FileManager.default.isWritableFile(atPath: path) else { throw DatasetError(path, "cannot write the log file (check its permissions)") }
            return
        }
        try AtomicFile.checkWritable(path)
    }

    /// Appends the records of `history` whose epochs come after the log's last one.
    static func sync(_ path: String, with history: [EpochRecord]) throws {
        let last = lastEpoch(path) ?? 0
        try append(history.filter { $0.epoch > last }, to: path)
    }

    /// The epoch of the log's last readable line (nil for a missing or empty log).
    static func lastEpoch(_ path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        return data.split(separator: 0x0A).compactMap { try? decoder.decode(EpochRecord.self, from: Data($0)) }.last?.epoch
    }

    /// Appends one line per record. A write that fails (a full disk, a closed pipe) throws
    /// instead of trapping.
    static func append(_ records: [EpochRecord], to path: String) throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var lines = Data()
        for record in records {
            lines.append(try encoder.encode(record))
            lines.append(0x0A)
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw DatasetError(path, "cannot create the log file") }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw DatasetError(path, "cannot write the log file") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: lines)
        } catch {
            throw DatasetError(path, "cannot append to the log (\(error.localizedDescription)); check the free space")
        }
    }
}
