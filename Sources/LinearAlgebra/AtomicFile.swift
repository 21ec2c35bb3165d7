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
        let writer = try Writer(path)
        try writer.append(data)
        try writer.commit()
    }

    /// A file written piece by piece and published atomically: `append` streams into the
    /// temporary `.NAME.partial-PID` beside the target, `commit` flushes it to disk and renames
    /// it over the target. A writer dropped without `commit` (an error, a full disk) removes its
    /// temporary, so the target keeps its old contents.
    public final class Writer {
        public let path: String
        let temporary: String
        var handle: FileHandle?
        /// Bytes gathered before one `write(2)`; large enough that a row-by-row writer does not
        /// make one system call per row.
        var buffer = Data()
        static let bufferCapacity = 1 << 20

        /// Creates the temporary file (and removes stale ones of killed writers).
        public init(_ path: String) throws {
            self.path = path
            let folder = (path as NSString).deletingLastPathComponent
            let directory = folder.isEmpty ? "." : folder
            let name = (path as NSString).lastPathComponent
            removeStaleTemporaries(of: name, in: directory)
            temporary = (directory as NSString).appendingPathComponent(".\(name).partial-\(getpid())")
            guard FileManager.default.createFile(atPath: temporary, contents: nil),
                  let handle = try? FileHandle(forWritingTo: URL(fileURLWithPath: temporary)) else {
                throw failure()
            }
            self.handle = handle
            buffer.reserveCapacity(Self.bufferCapacity)
        }

        /// Appends bytes (buffered).
        public func append(_ data: Data) throws {
            buffer.append(data)
            if buffer.count >= Self.bufferCapacity { try flush() }
        }

        /// Appends the raw bytes of `values` (buffered).
        public func append<T>(contentsOf values: UnsafeBufferPointer<T>) throws {
            buffer.append(UnsafeBufferPointer(start: UnsafeRawPointer(values.baseAddress)?.assumingMemoryBound(to: UInt8.self),
                                              count: values.count * MemoryLayout<T>.stride))
            if buffer.count >= Self.bufferCapacity { try flush() }
        }

        func flush() throws {
            guard let handle else { throw failure() }
            do { try handle.write(contentsOf: buffer) } catch { throw failure() }
            buffer.removeAll(keepingCapacity: true)
        }

        /// Flushes to disk and renames the temporary over the target.
        public func commit() throws {
            guard let handle else { throw failure() }
            try flush()
            do {
                try handle.synchronize()
                try handle.close()
            } catch { throw failure() }
            self.handle = nil
            guard rename(temporary, path) == 0 else { throw failure() }
        }

        /// The error for a failed write, naming the likely cause; removes the temporary.
        func failure() -> MatrixFileError {
            try? handle?.close()
            handle = nil
            try? FileManager.default.removeItem(atPath: temporary)
            let folder = (path as NSString).deletingLastPathComponent
            let reason = FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder)
                ? "cannot write the file (check the folder's permissions and free space)"
                : "cannot write the file: the folder \(folder) does not exist"
            return MatrixFileError(path: path, problem: reason)
        }

        deinit {
            if handle != nil {
                try? handle?.close()
                try? FileManager.default.removeItem(atPath: temporary)
            }
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
