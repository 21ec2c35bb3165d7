import Foundation

/// Matrices as comma-separated text: one row per line (LF or CRLF line endings; a leading UTF-8
/// byte-order mark is ignored), entries separated by commas (spaces and tabs around them are
/// ignored). Blank lines and lines starting with `#` are skipped, and so is a first row of
/// names (a header: no cell a number), so files written by `numpy.savetxt(..., delimiter=",")`,
/// by a spreadsheet or by this tool's `--out` read back as they are.
public enum CSVMatrix {
    /// Parses CSV text; `path` only names the source in errors.
    ///
    /// - Throws: `MatrixFileError` for an empty file, a cell that is not a number (naming line
    ///   and column), or rows of different lengths (naming the first ragged line).
    public static func parse<T: BLASScalar>(_ text: String, path: String = "csv", as _: T.Type = T.self) throws -> Matrix<T> {
        var rows: [[T]] = []
        var width: Int? = nil
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        // Split on every newline character: in Swift "\r\n" is one Character, so a split on
        // "\n" alone would leave a CRLF file as one line.
        for (number, rawLine) in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if rows.isEmpty, width == nil, cells.allSatisfy({ Double($0.trimmingCharacters(in: .whitespaces)) == nil }) {
                width = cells.count
                continue
            }
            var row: [T] = []
            row.reserveCapacity(cells.count)
            for (c, cell) in cells.enumerated() {
                let s = cell.trimmingCharacters(in: .whitespaces)
                guard let v = Double(s) else {
                    throw MatrixFileError(path: path, problem: "line \(number + 1), column \(c + 1): '\(s.printable)' is not a number")
                }
                row.append(T(v))
            }
            if let w = width, w != row.count {
                throw MatrixFileError(path: path, problem: "ragged rows: line \(number + 1) has \(row.count) entries, earlier rows have \(w)")
            }
            width = row.count
            rows.append(row)
        }
        guard !rows.isEmpty else { throw MatrixFileError(path: path, problem: "the file has no rows") }
        return Matrix(rows)
    }

    /// Renders a matrix as CSV with full round-trip precision.
    public static func render<T: BLASScalar>(_ m: Matrix<T>) -> String {
        (0..<m.rows).map { i in render(row: (0..<m.columns).map { m[i, $0] }) }.joined()
    }

    /// One row as a CSV line (ending in a newline), each entry with full round-trip precision.
    public static func render<T: BLASScalar>(row: [T]) -> String {
        row.map { "\($0)" }.joined(separator: ",") + "\n"
    }
}

/// Loading and saving matrices by file extension: `.npy` (NumPy) or `.csv`/`.txt` (text).
public enum MatrixFile {
    /// Reads a matrix from `.npy` or `.csv`/`.txt`, converting to `T`.
    ///
    /// - Throws: `MatrixFileError` naming the file for a missing file, an unknown extension, or
    ///   any format problem.
    public static func read<T: BLASScalar>(_ path: String, as _: T.Type = T.self) throws -> Matrix<T> {
        switch (path as NSString).pathExtension.lowercased() {
        case "npy":
            return try NumPyArray(contentsOf: path).matrix(T.self, path: path)
        case "csv", "txt":
            guard let data = FileManager.default.contents(atPath: path) else {
                let exists = FileManager.default.fileExists(atPath: path)
                throw MatrixFileError(path: path, problem: exists ? "cannot read the file (check its permissions)" : "no such file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw MatrixFileError(path: path, problem: "not UTF-8 text; a .csv file must hold numbers separated by commas")
            }
            return try CSVMatrix.parse(text, path: path)
        default:
            throw MatrixFileError(path: path, problem: "unknown file type: use .npy (NumPy) or .csv")
        }
    }

    /// Checks, before any work, that a matrix can be written to `path`: a known extension and a
    /// writable folder.
    public static func checkWritable(_ path: String) throws {
        guard ["npy", "csv", "txt"].contains((path as NSString).pathExtension.lowercased()) else {
            throw MatrixFileError(path: path, problem: "unknown file type: use .npy (NumPy) or .csv")
        }
        try AtomicFile.checkWritable(path)
    }

    /// Writes a matrix as `.npy` or `.csv` (by extension), atomically.
    public static func write<T: BLASScalar>(_ m: Matrix<T>, to path: String) throws {
        switch (path as NSString).pathExtension.lowercased() {
        case "npy": try NumPyArray(m).write(to: path)
        case "csv", "txt": try AtomicFile.write(CSVMatrix.render(m), to: path)
        default: throw MatrixFileError(path: path, problem: "unknown file type: use .npy (NumPy) or .csv")
        }
    }
}
