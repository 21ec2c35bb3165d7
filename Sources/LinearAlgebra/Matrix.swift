/// A dense real matrix stored in column-major order, the order BLAS and LAPACK use, so no
/// routine needs a transposed copy.
///
/// `Matrix` is a value type with copy-on-write storage (`[Scalar]`). Element (i, j) lives at
/// `elements[i + j * rows]`.
public struct Matrix<Scalar: BLASScalar>: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, column by column.
    public var elements: [Scalar]

    /// A `rows`×`columns` matrix with every entry `value`.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over column-major `elements`; `elements.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, columnMajor elements: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)×\(columns)")
        precondition(elements.count == rows * columns,
                     "Matrix: \(elements.count) elements cannot fill \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix over row-major `elements` (C order, as NumPy stores by default).
    public init(rows: Int, columns: Int, rowMajor elements: [Scalar]) {
        precondition(elements.count == rows * columns,
                     "Matrix: \(elements.count) elements cannot fill \(rows)×\(columns)")
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<rows {
            for j in 0..<columns { m.elements[i + j * rows] = elements[i * columns + j] }
        }
        self = m
    }

    /// A matrix from its rows; every row must have the same length.
    public init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "Matrix: rows of different lengths")
        self.init(rows: rowArrays.count, columns: columns, rowMajor: rowArrays.flatMap { $0 })
    }

    /// The n×n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.elements[i + i * n] = 1 }
        return m
    }

    /// Whether the matrix is square.
    @inlinable public var isSquare: Bool { rows == columns }

    /// Element (i, j), zero-based.
    @inlinable
    public subscript(i: Int, j: Int) -> Scalar {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix: index (\(i), \(j)) outside \(rows)×\(columns)")
            return elements[i + j * rows]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix: index (\(i), \(j)) outside \(rows)×\(columns)")
            elements[i + j * rows] = newValue
        }
    }

    /// The entries in row-major (C) order.
    public var rowMajorElements: [Scalar] { transposed().elements }

    /// The transpose.
    public func transposed() -> Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns {
            for i in 0..<rows { t.elements[j + i * columns] = elements[i + j * rows] }
        }
        return t
    }

    /// Throws `LinearAlgebraError.nonFinite` naming the first NaN/Inf entry, for `routine`.
    public func checkFinite(routine: String) throws {
        if let k = elements.firstIndex(where: { !$0.isFinite }) {
            throw LinearAlgebraError.nonFinite(routine: routine, row: k % rows, column: k / rows)
        }
    }

    /// Throws unless the matrix is square and non-empty, for `routine`.
    public func checkSquareNonEmpty(routine: String) throws {
        guard rows > 0, columns > 0 else { throw LinearAlgebraError.empty(routine: routine) }
        guard isSquare else { throw LinearAlgebraError.notSquare(routine: routine, rows: rows, columns: columns) }
    }

}

extension Matrix: CustomStringConvertible {
    public var description: String {
        (0..<rows).map { i in (0..<columns).map { j in "\(self[i, j])" }.joined(separator: " ") }
            .joined(separator: "\n")
    }
}
