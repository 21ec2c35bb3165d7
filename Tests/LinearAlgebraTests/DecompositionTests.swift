import ComplexModule
import Testing
@testable import LinearAlgebra

@Suite("LAPACK decompositions")
struct DecompositionTests {
    @Test("eigenvalues of closed-form matrices, Float and Double")
    func eigenvaluesClosedForm() throws {
        func check<T: BLASScalar>(_: T.Type) throws {
            let tol = 100 * T.ulpOfOne
            // Generator of rotations: eigenvalues ±i.
            let rotation = Matrix<T>([[0, -1], [1, 0]])
            let r = try rotation.eigenvalues()
            #expect(r.allSatisfy { abs($0.real) <= tol && abs(abs($0.imaginary) - 1) <= tol })
            // Companion matrix of (x−1)(x−2)(x−3) = x³ − 6x² + 11x − 6: eigenvalues 1, 2, 3.
            let companion = Matrix<T>([[6, -11, 6], [1, 0, 0], [0, 1, 0]])
            let c = try companion.eigenvalues().map(\.real).sorted()
            for (value, expected) in zip(c, [T(1), 2, 3]) { #expect(abs(value - expected) <= 1000 * tol) }
            // Upper triangular: eigenvalues are the diagonal.
            let triangular = Matrix<T>([[4, 7, -3], [0, -2, 5], [0, 0, 0.5]])
            let t = try triangular.eigenvalues().map(\.real).sorted()
            #expect(zip(t, [T(-2), 0.5, 4]).allSatisfy { abs($0 - $1) <= 10 * tol })
        }
        try check(Float.self)
        try check(Double.self)
    }

    @Test("eigenvectors satisfy A v = λ v, complex pairs included")
    func eigenvectors() throws {
        let a: Matrix<Double> = randomMatrix(12, 12, seed: 11)
        let d = try a.eigenDecomposition()
        let vectors = try #require(d.eigenvectors)
        #expect(d.eigenvalues.contains { $0.imaginary != 0 }, "seed should give complex pairs")
        for (lambda, v) in zip(d.eigenvalues, vectors) {
            for i in 0..<12 {
                var av = Complex<Double>.zero
                for j in 0..<12 { av += Complex(a[i, j]) * v[j] }
                #expect((av - lambda * v[i]).length <= 1e-12)
            }
        }
    }

    @Test("trace equals the eigenvalue sum and det their product (random 30×30)")
    func eigenvalueInvariants() throws {
        let a: Matrix<Double> = randomMatrix(30, 30, seed: 5)
        let values = try a.eigenvalues()
        let trace = (0..<30).reduce(0.0) { $0 + a[$1, $1] }
        let sum = values.reduce(Complex<Double>.zero, +)
        #expect(abs(sum.real - trace) <= 1e-12 && abs(sum.imaginary) <= 1e-12)
    }

    @Test("QR: Q has orthonormal columns and Q·R = A", arguments: [(9, 5), (6, 6), (4, 7)])
    func qr(shape: (Int, Int)) throws {
        func check<T: BLASScalar>(_: T.Type) throws {
            let a: Matrix<T> = randomMatrix(shape.0, shape.1, seed: 21)
            let f = try a.qrDecomposition()
            let k = min(shape.0, shape.1)
            var qtq = Matrix<T>(rows: k, columns: k)
            Matrix.gemm(f.q, transposeA: true, f.q, into: &qtq)
            #expect(maxAbsDifference(qtq, .identity(k)) <= 50 * T.ulpOfOne)
            #expect(maxAbsDifference(f.q * f.r, a) <= 50 * T.ulpOfOne)
            for j in 0..<shape.1 { for i in (j + 1)..<max(k, j + 1) { #expect(f.r[i, j] == 0) } }
        }
        try check(Float.self)
        try check(Double.self)
    }

    @Test("QRWorkspace orthonormalises in place and returns diag R")
    func qrWorkspace() throws {
        let a: Matrix<Double> = randomMatrix(5, 3, seed: 8)
        let reference = try a.qrDecomposition()
        var w = QRWorkspace<Double>(rows: 5, columns: 3)
        var q = a.elements
        var diag = [Double](repeating: 0, count: 3)
        try w.orthonormalize(&q, diagonalR: &diag)
        #expect(zip(q, reference.q.elements).allSatisfy { abs($0 - $1) <= 1e-14 })
        #expect((0..<3).allSatisfy { abs(diag[$0] - reference.r[$0, $0]) <= 1e-14 })
    }

    @Test("singular values of a diagonal-times-orthogonal matrix and the condition number")
    func singularValues() throws {
        // [[3, 0], [0, -4]] rotated: singular values 4 and 3 exactly.
        let c = 0.6, s = 0.8
        let rotation = Matrix<Double>([[c, -s], [s, c]])
        let a = rotation * Matrix([[3, 0], [0, -4]])
        let sv = try a.singularValues()
        #expect(abs(sv[0] - 4) <= 1e-14 && abs(sv[1] - 3) <= 1e-14)
        #expect(abs(try a.conditionNumber() - 4.0 / 3.0) <= 1e-14)
        let f = try Matrix<Float>([[1, 0, 0], [0, 2, 0]]).singularValues()
        #expect(f == [2, 1])
    }

    @Test("solve recovers x from A x = b; a singular matrix is an error naming dgesv")
    func solve() throws {
        let a: Matrix<Double> = randomMatrix(8, 8, seed: 3)
        let x: [Double] = (0..<8).map { Double($0) - 3.5 }
        let b = a * x
        let solved = try a.solve(b)
        #expect(zip(solved, x).allSatisfy { abs($0 - $1) <= 1e-12 })
        let singular = Matrix<Double>([[1, 2], [2, 4]])
        #expect(throws: LinearAlgebraError.self) { try singular.solve([1, 1]) }
        do { _ = try singular.solve([1, 1]) } catch { #expect("\(error)".contains("dgesv")) }
    }

    @Test("bad matrices are errors, not NaNs")
    func badInput() {
        #expect(throws: LinearAlgebraError.nonFinite(routine: "dgeev", row: 1, column: 0)) {
            try Matrix<Double>([[1, 2], [.nan, 4]]).eigenvalues()
        }
        #expect(throws: LinearAlgebraError.notSquare(routine: "sgeev", rows: 2, columns: 3)) {
            try Matrix<Float>(rows: 2, columns: 3).eigenvalues()
        }
        #expect(throws: LinearAlgebraError.empty(routine: "dgeev")) {
            try Matrix<Double>(rows: 0, columns: 0).eigenvalues()
        }
        #expect(throws: LinearAlgebraError.nonFinite(routine: "dgesdd", row: 0, column: 1)) {
            try Matrix<Double>([[1, .infinity]]).singularValues()
        }
    }
}
