import Foundation
import Glibc

/// An exclusive lock on a run's folder (`DIR/.lock`, `flock`), held while the run writes its
/// checkpoints there, so that two runs never write into one folder. The kernel releases it when
/// the process ends, however it ends, so a killed run leaves no stale lock.
public final class RunLock {
    private let descriptor: Int32

    /// Takes the lock, creating the folder if needed.
    /// - Throws: `DatasetError` if the folder cannot be created or written, or another process holds the lock.
    public init(folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(folder, "cannot create the folder (\(error.localizedDescription))")
        }
        let path = (folder as NSString).appendingPathComponent(".lock")
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DatasetError(folder, "cannot write in the folder (check its permissions)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DatasetError(folder, "another run is using this folder (its lock is held); wait for it or choose another folder")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
