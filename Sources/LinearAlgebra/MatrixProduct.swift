/// Matrix products through BLAS level 2 and 3 (`?gemm`, `?gemv`).

extension Matrix {
    /// C ← α·op(A)·op(B) + β·C, in place through `?gemm`.
    ///
    /// - Complexity: 2·m·n·k flops, all in BLAS.
    /// - Precondition: the shapes agree; C is m×n where op(A) is m×k and op(B) is k×n.
    @inlinable
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0, into c: inout Matrix
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "gemm: inner dimensions differ (\(k) and \(kb))")
        precondition(c.rows == m && c.columns == n, "gemm: result is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        if m == 0 || n == 0 { return }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    Scalar.gemm(transposeA: transposeA, transposeB: transposeB,
                                m: Int32(m), n: Int32(n), k: Int32(k), alpha: alpha,
                                a: pa.baseAddress!, lda: Int32(max(1, a.rows)),
                                b: pb.baseAddress!, ldb: Int32(max(1, b.rows)),
                                beta: beta, c: pc.baseAddress!, ldc: Int32(max(1, m)))
                }
            }
        }
    }

    /// The product A·B.
    @inlinable
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        if a.columns == 0 { precondition(b.rows == 0, "*: inner dimensions differ"); return c }
        gemm(a, b, into: &c)
        return c
    }

    /// y ← α·op(A)·x + β·y through `?gemv`.
    @inlinable
    public static func gemv(
        _ a: Matrix, transpose: Bool = false, _ x: [Scalar],
        alpha: Scalar = 1, beta: Scalar = 0, into y: inout [Scalar]
    ) {
        let m = transpose ? a.columns : a.rows
        let n = transpose ? a.rows : a.columns
        precondition(x.count == n, "gemv: vector has \(x.count) entries, the matrix needs \(n)")
        precondition(y.count == m, "gemv: result has \(y.count) entries, expected \(m)")
        if a.rows == 0 || a.columns == 0 {
            for i in y.indices { y[i] *= beta }
            return
        }
        a.elements.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    Scalar.gemv(transpose: transpose, m: Int32(a.rows), n: Int32(a.columns), alpha: alpha,
                                a: pa.baseAddress!, lda: Int32(a.rows), x: px.baseAddress!, incx: 1,
                                beta: beta, y: py.baseAddress!, incy: 1)
                }
            }
        }
    }

    /// The product A·x.
    @inlinable
    public static func * (a: Matrix, x: [Scalar]) -> [Scalar] {
        var y = [Scalar](repeating: 0, count: a.rows)
        gemv(a, x, into: &y)
        return y
    }

    /// Entrywise sum.
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "+: shapes \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns) differ")
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: zip(a.elements, b.elements).map(+))
    }

    /// Entrywise difference.
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "-: shapes \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns) differ")
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: zip(a.elements, b.elements).map(-))
    }

    /// Scalar multiple.
    public static func * (s: Scalar, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, columns: a.columns, columnMajor: a.elements.map { s * $0 })
    }
}
