import CLAPACK
import RealModule

/// A real floating-point scalar for which BLAS and LAPACK have routines (`s*` for `Float`,
/// `d*` for `Double`).
///
/// Every requirement is an *unchecked* kernel on raw column-major storage: callers (the
/// `Matrix` API) check shapes and finiteness first. Integer arguments are LAPACK's 32-bit
/// `lapack_int`. LAPACK routines return their `info` value unchanged.
public protocol BLASScalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable & Codable
where Self.RawSignificand: FixedWidthInteger {
    /// Human-readable LAPACK prefix: `"s"` or `"d"`.
    static var lapackPrefix: String { get }

    /// C ← α·op(A)·op(B) + β·C  (column-major `?gemm`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32,
        alpha: Self, a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int32)

    /// y ← α·op(A)·x + β·y  (column-major `?gemv`).
    static func gemv(
        transpose: Bool, m: Int32, n: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32,
        x: UnsafePointer<Self>, incx: Int32, beta: Self, y: UnsafeMutablePointer<Self>, incy: Int32)

    /// y ← α·x + y  (`?axpy`).
    static func axpy(n: Int32, alpha: Self, x: UnsafePointer<Self>, incx: Int32,
                     y: UnsafeMutablePointer<Self>, incy: Int32)

    /// xᵀy  (`?dot`).
    static func dot(n: Int32, x: UnsafePointer<Self>, incx: Int32, y: UnsafePointer<Self>, incy: Int32) -> Self

    /// Eigenvalues (and optionally right eigenvectors) of a general matrix (`?geev`, workspace form).
    static func geev(
        computeVectors: Bool, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
        wr: UnsafeMutablePointer<Self>, wi: UnsafeMutablePointer<Self>,
        vr: UnsafeMutablePointer<Self>?, ldvr: Int32,
        work: UnsafeMutablePointer<Self>, lwork: Int32) -> Int32

    /// Householder QR factorisation (`?geqrf`, workspace form).
    static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
                      tau: UnsafeMutablePointer<Self>, work: UnsafeMutablePointer<Self>, lwork: Int32) -> Int32

    /// Forms the explicit Q of a `geqrf` factorisation (`?orgqr`, workspace form).
    static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
                      tau: UnsafePointer<Self>, work: UnsafeMutablePointer<Self>, lwork: Int32) -> Int32

    /// Singular values only, divide and conquer (`?gesdd` with `jobz = 'N'`, workspace form).
    static func gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
                            s: UnsafeMutablePointer<Self>, work: UnsafeMutablePointer<Self>, lwork: Int32,
                            iwork: UnsafeMutablePointer<Int32>) -> Int32

    /// Solves A·X = B by LU with partial pivoting (`?gesv`); A and B are overwritten.
    static func gesv(n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
                     ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32
}

@inlinable
func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: BLASScalar {
    public static var lapackPrefix: String { "s" }

    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32,
        alpha: Float, a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32
    ) {
        cblas_sgemm(CblasColMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @inlinable
    public static func gemv(
        transpose: Bool, m: Int32, n: Int32, alpha: Float, a: UnsafePointer<Float>, lda: Int32,
        x: UnsafePointer<Float>, incx: Int32, beta: Float, y: UnsafeMutablePointer<Float>, incy: Int32
    ) {
        cblas_sgemv(CblasColMajor, cblasTranspose(transpose), m, n, alpha, a, lda, x, incx, beta, y, incy)
    }

    @inlinable
    public static func axpy(n: Int32, alpha: Float, x: UnsafePointer<Float>, incx: Int32,
                            y: UnsafeMutablePointer<Float>, incy: Int32) {
        cblas_saxpy(n, alpha, x, incx, y, incy)
    }

    @inlinable
    public static func dot(n: Int32, x: UnsafePointer<Float>, incx: Int32, y: UnsafePointer<Float>, incy: Int32) -> Float {
        cblas_sdot(n, x, incx, y, incy)
    }

    @inlinable
    public static func geev(
        computeVectors: Bool, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
        wr: UnsafeMutablePointer<Float>, wi: UnsafeMutablePointer<Float>,
        vr: UnsafeMutablePointer<Float>?, ldvr: Int32,
        work: UnsafeMutablePointer<Float>, lwork: Int32
    ) -> Int32 {
        LAPACKE_sgeev_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")),
                           CChar(UInt8(ascii: computeVectors ? "V" : "N")),
                           n, a, lda, wr, wi, nil, 1, vr, ldvr, work, lwork)
    }

    @inlinable
    public static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
                             tau: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>, lwork: Int32) -> Int32 {
        LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, m, n, a, lda, tau, work, lwork)
    }

    @inlinable
    public static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
                             tau: UnsafePointer<Float>, work: UnsafeMutablePointer<Float>, lwork: Int32) -> Int32 {
        LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, m, n, k, a, lda, tau, work, lwork)
    }

    @inlinable
    public static func gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
                                   s: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>, lwork: Int32,
                                   iwork: UnsafeMutablePointer<Int32>) -> Int32 {
        LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, a, lda, s,
                            nil, 1, nil, 1, work, lwork, iwork)
    }

    @inlinable
    public static func gesv(n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
                            ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Float>, ldb: Int32) -> Int32 {
        LAPACKE_sgesv_work(LAPACK_COL_MAJOR, n, nrhs, a, lda, ipiv, b, ldb)
    }
}

extension Double: BLASScalar {
    public static var lapackPrefix: String { "d" }

    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32,
        alpha: Double, a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32
    ) {
        cblas_dgemm(CblasColMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @inlinable
    public static func gemv(
        transpose: Bool, m: Int32, n: Int32, alpha: Double, a: UnsafePointer<Double>, lda: Int32,
        x: UnsafePointer<Double>, incx: Int32, beta: Double, y: UnsafeMutablePointer<Double>, incy: Int32
    ) {
        cblas_dgemv(CblasColMajor, cblasTranspose(transpose), m, n, alpha, a, lda, x, incx, beta, y, incy)
    }

    @inlinable
    public static func axpy(n: Int32, alpha: Double, x: UnsafePointer<Double>, incx: Int32,
                            y: UnsafeMutablePointer<Double>, incy: Int32) {
        cblas_daxpy(n, alpha, x, incx, y, incy)
    }

    @inlinable
    public static func dot(n: Int32, x: UnsafePointer<Double>, incx: Int32, y: UnsafePointer<Double>, incy: Int32) -> Double {
        cblas_ddot(n, x, incx, y, incy)
    }

    @inlinable
    public static func geev(
        computeVectors: Bool, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
        wr: UnsafeMutablePointer<Double>, wi: UnsafeMutablePointer<Double>,
        vr: UnsafeMutablePointer<Double>?, ldvr: Int32,
        work: UnsafeMutablePointer<Double>, lwork: Int32
    ) -> Int32 {
        LAPACKE_dgeev_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")),
                           CChar(UInt8(ascii: computeVectors ? "V" : "N")),
                           n, a, lda, wr, wi, nil, 1, vr, ldvr, work, lwork)
    }

    @inlinable
    public static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
                             tau: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>, lwork: Int32) -> Int32 {
        LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, a, lda, tau, work, lwork)
    }

    @inlinable
    public static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
                             tau: UnsafePointer<Double>, work: UnsafeMutablePointer<Double>, lwork: Int32) -> Int32 {
        LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, n, k, a, lda, tau, work, lwork)
    }

    @inlinable
    public static func gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
                                   s: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>, lwork: Int32,
                                   iwork: UnsafeMutablePointer<Int32>) -> Int32 {
        LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, a, lda, s,
                            nil, 1, nil, 1, work, lwork, iwork)
    }

    @inlinable
    public static func gesv(n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
                            ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Double>, ldb: Int32) -> Int32 {
        LAPACKE_dgesv_work(LAPACK_COL_MAJOR, n, nrhs, a, lda, ipiv, b, ldb)
    }
}
