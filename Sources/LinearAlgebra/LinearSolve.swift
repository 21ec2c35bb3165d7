extension Matrix {
    /// Solves A·X = B for X by LU factorisation with partial pivoting (`?gesv`).
    ///
    /// - Throws: `LinearAlgebraError` if A is empty, not square or non-finite, B has the wrong
    ///   number of rows, or A is exactly singular (a zero pivot U(i,i)).
    /// - Complexity: (2/3)·n³ + 2·n²·nrhs flops.
    public func solve(_ b: Matrix) throws -> Matrix {
        let routine = "\(Scalar.lapackPrefix)gesv"
        try checkSquareNonEmpty(routine: routine)
        try checkFinite(routine: routine)
        try b.checkFinite(routine: routine)
        precondition(b.rows == rows, "solve: right-hand side has \(b.rows) rows, the matrix \(rows)")
        let n = rows
        var a = elements
        var x = b.elements
        var ipiv = [Int32](repeating: 0, count: n)
        if b.columns == 0 { return b }
        try LinearAlgebraError.check(
            Scalar.gesv(n: Int32(n), nrhs: Int32(b.columns), a: &a, lda: Int32(n), ipiv: &ipiv, b: &x, ldb: Int32(n)),
            routine: routine) { i in "the matrix is singular: U(\(i),\(i)) is exactly zero" }
        return Matrix(rows: n, columns: b.columns, columnMajor: x)
    }

    /// Solves A·x = b for a vector x.
    public func solve(_ b: [Scalar]) throws -> [Scalar] {
        try solve(Matrix(rows: b.count, columns: 1, columnMajor: b)).elements
    }
}
