import Foundation

/// Atomic file replacement: write to a temporary name beside the target, flush it to disk,
/// then rename it over the target. A crash mid-write leaves the old file (or none), never a
/// truncated one; the temporary of a killed writer (`.NAME.partial-PID`) is removed by the next
/// write to the same target.
public enum AtomicFile {
    /// Writes `data` to `path` atomically.
    /// - Throws: `MatrixFileError` naming the path if the folder is missing or not writable, or
    ///   the disk is full.
    public static func write(_ data: Data, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        let name = (path as NSString).lastPathComponent
        removeStaleTemporaries(of: name, in: directory)
        let temporary = (directory as NSString).appendingPathComponent(".\(name).partial-\(getpid())")
        do {
            guard FileManager.default.createFile(atPath: temporary, contents: nil) else { throw CocoaError(.fileWriteNoPermission) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            let reason = FileManager.default.fileExists(atPath: directory)
                ? "cannot write the file (check the folder's permissions and free space)"
                : "cannot write the file: the folder \(folder) does not exist"
            throw MatrixFileError(path: path, problem: reason)
        }
    }

    /// Writes UTF-8 `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Checks, before any work, that `path` can be written: its folder exists and is writable,
    /// and it is not a folder itself.
    public static func checkWritable(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw MatrixFileError(path: path, problem: "is a folder; give a file name")
        }
        guard FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder) else {
            throw MatrixFileError(path: path, problem: "cannot write here: the folder is missing or not writable")
        }
    }

    /// Removes `.NAME.partial-PID` files whose writer process no longer exists.
    static func removeStaleTemporaries(of name: String, in directory: String) {
        let prefix = ".\(name).partial-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(entry))
        }
    }
}
