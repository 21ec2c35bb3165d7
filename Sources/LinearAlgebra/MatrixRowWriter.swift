import Foundation

/// Writes a matrix of known size to `.npy` or `.csv` one row at a time, so a long trajectory
/// goes to disk as it is computed instead of being held in memory. The file appears (atomically,
/// through `AtomicFile.Writer`) only when `finish()` has checked that every row was written; a
/// writer abandoned on an error leaves the target as it was.
///
/// A `.npy` file's shape is in its header, before the data, which is why the row count is given
/// up front. Its size is then known exactly and checked against the free space of the folder
/// before anything is written.
public final class MatrixRowWriter<T: BLASScalar> {
    public let rows: Int
    public let columns: Int
    let format: Format
    let file: AtomicFile.Writer
    var written = 0

    enum Format { case npy, csv }

    /// Writes a whole table at once (`init`, every row, `finish`).
    public static func write(_ rows: [[T]], columns: Int, header: [String]? = nil, to path: String) throws {
        let writer = try MatrixRowWriter(path: path, rows: rows.count, columns: columns, header: header)
        for row in rows { try writer.append(row) }
        try writer.finish()
    }

    /// Opens `path` (`.npy`, `.csv` or `.txt`) for `rows` rows of `columns` values; a CSV file
    /// starts with `header`, the columns' names, if given, as a comment line `# t,x,y` (a `.npy`
    /// file has no place for them): `numpy.loadtxt(f, delimiter=",")` skips it as it is, and
    /// `numpy.genfromtxt(f, delimiter=",", names=True)` takes the names from it.
    /// - Throws: `MatrixFileError` for an unknown extension, a folder that cannot be written, or a
    ///   `.npy` file larger than the free space.
    public init(path: String, rows: Int, columns: Int, header: [String]? = nil) throws {
        precondition(header.map { $0.count == columns } ?? true, "MatrixRowWriter: \(header?.count ?? 0) names for \(columns) columns")
        precondition(rows >= 0 && columns >= 0, "MatrixRowWriter: negative size")
        switch (path as NSString).pathExtension.lowercased() {
        case "npy": format = .npy
        case "csv", "txt": format = .csv
        default: throw MatrixFileError(path: path, problem: "unknown file type: use .npy (NumPy) or .csv")
        }
        self.rows = rows
        self.columns = columns
        try AtomicFile.checkWritable(path)
        if format == .npy {
            try Self.checkFreeSpace(path: path, bytes: SafeSize.product([rows, columns, MemoryLayout<T>.size]))
        }
        file = try AtomicFile.Writer(path)
        if format == .npy {
            try file.append(NumPyArray.header(shape: [rows, columns], dtype: .of(T.self)))
        } else if let header {
            try file.append(Data(("# " + header.joined(separator: ",") + "\n").utf8))
        }
    }

    /// Appends one row of `columns` values.
    public func append(_ row: [T]) throws {
        precondition(row.count == columns, "MatrixRowWriter: a row of \(row.count) values, expected \(columns)")
        precondition(written < rows, "MatrixRowWriter: more than the \(rows) rows announced")
        switch format {
        case .npy:
            // .npy data are little-endian, as are the x86-64 and AArch64 hosts Dynamics runs on.
            try row.withUnsafeBufferPointer { try file.append(contentsOf: $0) }
        case .csv:
            try file.append(Data(CSVMatrix.render(row: row).utf8))
        }
        written += 1
    }

    /// Publishes the file. Every announced row must have been written.
    public func finish() throws {
        precondition(written == rows, "MatrixRowWriter: \(written) of \(rows) rows written")
        try file.commit()
    }

    /// Refuses a file that cannot fit in the free space of its folder.
    static func checkFreeSpace(path: String, bytes: Int?) throws {
        let folder = (path as NSString).deletingLastPathComponent
        var stats = statvfs()
        guard statvfs(folder.isEmpty ? "." : folder, &stats) == 0 else { return }
        let free = Double(stats.f_bavail) * Double(stats.f_frsize)
        guard let bytes, Double(bytes) <= free else {
            let size = bytes.map { String(format: "%.3g GB", Double($0) / 1e9) } ?? "more than 2^63 bytes"
            throw MatrixFileError(path: path, problem: "needs \(size) but the disk has \(String(format: "%.3g GB", free / 1e9)) free; free some space or write fewer rows")
        }
    }
}
