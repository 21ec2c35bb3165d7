extension Matrix {
    /// The singular values σ₁ ≥ σ₂ ≥ … ≥ σ_min(m,n) ≥ 0, by divide and conquer (`?gesdd`).
    ///
    /// - Throws: `LinearAlgebraError` for an empty or non-finite matrix, or if the bidiagonal
    ///   iteration does not converge.
    /// - Complexity: about 4·m·n² flops (m ≥ n).
    public func singularValues() throws -> [Scalar] {
        let routine = "\(Scalar.lapackPrefix)gesdd"
        guard rows > 0, columns > 0 else { throw LinearAlgebraError.empty(routine: routine) }
        try checkFinite(routine: routine)
        let m = rows, n = columns, k = min(m, n)
        var a = elements
        var s = [Scalar](repeating: 0, count: k)
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var query: [Scalar] = [0]
        try LinearAlgebraError.check(
            Scalar.gesddValues(m: Int32(m), n: Int32(n), a: &a, lda: Int32(m), s: &s, work: &query, lwork: -1, iwork: &iwork),
            routine: routine) { _ in "workspace query failed" }
        var work = [Scalar](repeating: 0, count: max(Int(query[0]), 1))
        try LinearAlgebraError.check(
            Scalar.gesddValues(m: Int32(m), n: Int32(n), a: &a, lda: Int32(m), s: &s, work: &work, lwork: Int32(work.count), iwork: &iwork),
            routine: routine) { _ in "the bidiagonal singular value iteration did not converge" }
        return s
    }

    /// The 2-norm condition number σ_max / σ_min (∞ for a singular matrix).
    public func conditionNumber() throws -> Scalar {
        let s = try singularValues()
        return s.last! == 0 ? .infinity : s.first! / s.last!
    }
}
