import Foundation

/// Atomic file replacement: write to a temporary name beside the target, then rename over it.
/// A crash mid-write leaves the old file (or none), never a truncated one.
public enum AtomicFile {
    /// Writes `data` to `path` atomically.
    /// - Throws: `MatrixFileError` naming the path if the folder is missing or not writable.
    public static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            let folder = (path as NSString).deletingLastPathComponent
            let reason = FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder)
                ? "cannot write the file (check the folder's permissions and free space)"
                : "cannot write the file: the folder \(folder) does not exist"
            throw MatrixFileError(path: path, problem: reason)
        }
    }

    /// Writes UTF-8 `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
