/// Householder QR factorisation through LAPACK `?geqrf` + `?orgqr`
/// (Golub & Van Loan, Matrix Computations, 4th ed., §5.2).
public struct QRDecomposition<Scalar: BLASScalar>: Sendable {
    /// The m×k matrix with orthonormal columns, k = min(m, n).
    public var q: Matrix<Scalar>
    /// The k×n upper-triangular (trapezoidal) factor.
    public var r: Matrix<Scalar>
}

/// Reusable storage for repeated in-place QR factorisations of m×n matrices (m ≥ n), so that a
/// loop such as the Benettin–Shimada–Nagashima Lyapunov iteration allocates nothing per step.
public struct QRWorkspace<Scalar: BLASScalar>: Sendable {
    public let rows: Int
    public let columns: Int
    @usableFromInline var tau: [Scalar]
    @usableFromInline var work: [Scalar]

    /// Storage for m×n factorisations; queries LAPACK for the optimal workspace once.
    public init(rows m: Int, columns n: Int) {
        precondition(m >= n && n > 0, "QRWorkspace: needs rows ≥ columns > 0, got \(m)×\(n)")
        rows = m
        columns = n
        tau = [Scalar](repeating: 0, count: n)
        var a = [Scalar](repeating: 0, count: m * n)
        var q1: [Scalar] = [0], q2: [Scalar] = [0]
        _ = Scalar.geqrf(m: Int32(m), n: Int32(n), a: &a, lda: Int32(m), tau: &tau, work: &q1, lwork: -1)
        _ = Scalar.orgqr(m: Int32(m), n: Int32(n), k: Int32(n), a: &a, lda: Int32(m), tau: tau, work: &q2, lwork: -1)
        work = [Scalar](repeating: 0, count: max(Int(q1[0]), Int(q2[0]), n, 1))
    }

    /// Overwrites the column-major m×n `a` with its Q factor and writes the n diagonal entries
    /// of R into `diagonalR`. Allocates nothing.
    ///
    /// The inputs are trusted (finite, correct sizes): this is the unchecked kernel for hot loops.
    @inlinable
    public mutating func orthonormalize(_ a: UnsafeMutablePointer<Scalar>, diagonalR: UnsafeMutablePointer<Scalar>) throws {
        let m = Int32(rows), n = Int32(columns), lwork = Int32(work.count)
        try tau.withUnsafeMutableBufferPointer { tau in
            try work.withUnsafeMutableBufferPointer { work in
                let info = Scalar.geqrf(m: m, n: n, a: a, lda: m, tau: tau.baseAddress!, work: work.baseAddress!, lwork: lwork)
                try LinearAlgebraError.check(info, routine: "\(Scalar.lapackPrefix)geqrf") { _ in "unexpected failure" }
                for j in 0..<Int(n) { diagonalR[j] = a[j + j * Int(m)] }
                let info2 = Scalar.orgqr(m: m, n: n, k: n, a: a, lda: m, tau: tau.baseAddress!, work: work.baseAddress!, lwork: lwork)
                try LinearAlgebraError.check(info2, routine: "\(Scalar.lapackPrefix)orgqr") { _ in "unexpected failure" }
            }
        }
    }
}

extension Matrix {
    /// The thin QR factorisation A = Q·R (`?geqrf`, then `?orgqr` for Q).
    ///
    /// - Throws: `LinearAlgebraError` for an empty or non-finite matrix.
    /// - Complexity: about 4·m·n² flops.
    public func qrDecomposition() throws -> QRDecomposition<Scalar> {
        let routine = "\(Scalar.lapackPrefix)geqrf"
        guard rows > 0, columns > 0 else { throw LinearAlgebraError.empty(routine: routine) }
        try checkFinite(routine: routine)
        let m = rows, n = columns, k = min(m, n)
        var a = elements
        var tau = [Scalar](repeating: 0, count: k)
        var query: [Scalar] = [0]
        try LinearAlgebraError.check(
            Scalar.geqrf(m: Int32(m), n: Int32(n), a: &a, lda: Int32(m), tau: &tau, work: &query, lwork: -1),
            routine: routine) { _ in "workspace query failed" }
        var work = [Scalar](repeating: 0, count: max(Int(query[0]), n, 1))
        try LinearAlgebraError.check(
            Scalar.geqrf(m: Int32(m), n: Int32(n), a: &a, lda: Int32(m), tau: &tau, work: &work, lwork: Int32(work.count)),
            routine: routine) { _ in "unexpected failure" }
        var r = Matrix(rows: k, columns: n)
        for j in 0..<n {
            for i in 0...min(j, k - 1) { r.elements[i + j * k] = a[i + j * m] }
        }
        // Q: the first k columns of the m×m orthogonal factor.
        var q = Array(a[0..<(m * k)])
        let orgqr = "\(Scalar.lapackPrefix)orgqr"
        try LinearAlgebraError.check(
            Scalar.orgqr(m: Int32(m), n: Int32(k), k: Int32(k), a: &q, lda: Int32(m), tau: tau, work: &query, lwork: -1),
            routine: orgqr) { _ in "workspace query failed" }
        if Int(query[0]) > work.count { work = [Scalar](repeating: 0, count: Int(query[0])) }
        try LinearAlgebraError.check(
            Scalar.orgqr(m: Int32(m), n: Int32(k), k: Int32(k), a: &q, lda: Int32(m), tau: tau, work: &work, lwork: Int32(work.count)),
            routine: orgqr) { _ in "unexpected failure" }
        return QRDecomposition(q: Matrix(rows: m, columns: k, columnMajor: q), r: r)
    }
}
