import ComplexModule
import Testing
@testable import LinearAlgebra

/// ARPACK's Arnoldi method against dense `dgeev` on matrices small enough for both.
///
/// Tolerance 1e-8·max(1, ρ): Ritz values are accepted at a residual of ε·|θ| and these
/// matrices' eigenvalues are well conditioned (a random matrix spread by a diagonal ramp), so
/// both methods agree to far less than that; 1e-8 is the bar.
@Suite("Arnoldi eigenvalues (ARPACK) against dense dgeev")
struct ArnoldiTests {
    /// G/√n + diag(ramp from −2 to 1): a non-normal matrix whose rightmost eigenvalues stand apart.
    static func matrix(_ n: Int, seed: UInt64) -> Matrix<Double> {
        var a = randomMatrix(n, n, seed: seed, as: Double.self)
        for i in 0..<n {
            for j in 0..<n { a[i, j] *= (3 / Double(n)).squareRoot() }
            a[i, i] += -2 + 3 * Double(i) / Double(n - 1)
        }
        return a
    }

    static func apply(_ a: Matrix<Double>) -> (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void {
        { x, y in
            a.elements.withUnsafeBufferPointer { e in
                Double.gemv(transpose: false, m: Int32(a.rows), n: Int32(a.columns), alpha: 1, a: e.baseAddress!, lda: Int32(a.rows),
                            x: x, incx: 1, beta: 0, y: y, incy: 1)
            }
        }
    }

    @Test("top 8 by real part and by modulus agree with dgeev to 1e-8", arguments: EigenvalueSelection.allCases)
    func agreesWithDense(which: EigenvalueSelection) throws {
        let n = 300, k = 8
        let a = Self.matrix(n, seed: 11)
        let dense = try a.eigenvalues().map { Complex(Double($0.real), Double($0.imaginary)) }.sorted(by: which.precedes)
        let result = try Arnoldi.eigenvalues(dimension: n, count: k, which: which, apply: Self.apply(a))
        #expect(result.eigenvalues.count == k)
        let scale = max(1, dense.map(\.length).max()!)
        for (found, expected) in zip(result.eigenvalues, dense.prefix(k)) {
            #expect((found - expected).length <= 1e-8 * scale, "\(which): \(found) vs \(expected)")
        }
        #expect(result.products > k && result.products < 20 * n)
    }

    @Test("the same seed repeats bit for bit")
    func deterministic() throws {
        let a = Self.matrix(120, seed: 3)
        let first = try Arnoldi.eigenvalues(dimension: 120, count: 4, which: .largestRealPart, apply: Self.apply(a))
        let second = try Arnoldi.eigenvalues(dimension: 120, count: 4, which: .largestRealPart, apply: Self.apply(a))
        #expect(first.eigenvalues == second.eigenvalues && first.products == second.products)
    }

    @Test("sizes ARPACK cannot take and non-finite operators are refused with a reason")
    func refusals() {
        #expect(throws: LinearAlgebraError.self) {
            try Arnoldi.eigenvalues(dimension: 5, count: 4, which: .largestMagnitude) { _, y in y[0] = 0 }
        }
        #expect(throws: LinearAlgebraError.self) {
            try Arnoldi.eigenvalues(dimension: 50, count: 2, which: .largestMagnitude) { _, y in
                for i in 0..<50 { y[i] = .nan }
            }
        }
    }
}
