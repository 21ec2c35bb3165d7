import ComplexModule

/// Eigen-decomposition of a general real square matrix through LAPACK `?geev`
/// (Hessenberg reduction + shifted QR; Anderson et al., LAPACK Users' Guide, 3rd ed., §2.4.8).
public struct EigenDecomposition<Scalar: BLASScalar>: Sendable {
    /// The eigenvalues in LAPACK's order: complex-conjugate pairs are adjacent, the one with
    /// positive imaginary part first.
    public var eigenvalues: [Complex<Scalar>]
    /// Right eigenvectors (column k belongs to `eigenvalues[k]`), normalised to unit 2-norm,
    /// when they were asked for.
    public var eigenvectors: [[Complex<Scalar>]]?
}

extension Matrix {
    /// The eigenvalues of a square matrix (`?geev`, no eigenvectors).
    ///
    /// - Throws: `LinearAlgebraError` if the matrix is empty, not square, has a NaN/Inf entry,
    ///   or the QR algorithm fails to converge.
    /// - Complexity: about 10·n³ flops.
    public func eigenvalues() throws -> [Complex<Scalar>] {
        try eigenDecomposition(computeEigenvectors: false).eigenvalues
    }

    /// Eigenvalues and, optionally, right eigenvectors of a square matrix (`?geev`).
    ///
    /// - Complexity: about 10·n³ flops without eigenvectors, 26·n³ with.
    public func eigenDecomposition(computeEigenvectors: Bool = true) throws -> EigenDecomposition<Scalar> {
        let routine = "\(Scalar.lapackPrefix)geev"
        try checkSquareNonEmpty(routine: routine)
        try checkFinite(routine: routine)
        let n = rows
        var a = elements
        var wr = [Scalar](repeating: 0, count: n)
        var wi = [Scalar](repeating: 0, count: n)
        var vr = [Scalar](repeating: 0, count: computeEigenvectors ? n * n : 1)
        var query = [Scalar](repeating: 0, count: 1)
        // Workspace query (lwork = -1), then the real call.
        let info0 = Scalar.geev(computeVectors: computeEigenvectors, n: Int32(n), a: &a, lda: Int32(n),
                                wr: &wr, wi: &wi, vr: &vr, ldvr: Int32(computeEigenvectors ? n : 1),
                                work: &query, lwork: -1)
        try LinearAlgebraError.check(info0, routine: routine) { _ in "workspace query failed" }
        let lwork = max(Int(query[0]), 4 * n)
        var work = [Scalar](repeating: 0, count: lwork)
        let info = Scalar.geev(computeVectors: computeEigenvectors, n: Int32(n), a: &a, lda: Int32(n),
                               wr: &wr, wi: &wi, vr: &vr, ldvr: Int32(computeEigenvectors ? n : 1),
                               work: &work, lwork: Int32(lwork))
        try LinearAlgebraError.check(info, routine: routine) { i in
            "the QR algorithm did not converge; eigenvalues \(i + 1)...\(n) were not computed"
        }
        let values = (0..<n).map { Complex(wr[$0], wi[$0]) }
        guard computeEigenvectors else { return EigenDecomposition(eigenvalues: values, eigenvectors: nil) }
        // LAPACK packs a conjugate pair (λ, λ̄) as columns v_k = Re + i·Im at k and k+1.
        var vectors: [[Complex<Scalar>]] = []
        vectors.reserveCapacity(n)
        var k = 0
        while k < n {
            if wi[k] == 0 {
                vectors.append((0..<n).map { Complex(vr[$0 + k * n], 0) })
                k += 1
            } else {
                let v = (0..<n).map { Complex(vr[$0 + k * n], vr[$0 + (k + 1) * n]) }
                vectors.append(v)
                vectors.append(v.map { $0.conjugate })
                k += 2
            }
        }
        return EigenDecomposition(eigenvalues: values, eigenvectors: vectors)
    }
}
