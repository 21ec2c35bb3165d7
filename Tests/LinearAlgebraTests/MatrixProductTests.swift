import Testing
@testable import LinearAlgebra

@Suite("Matrix products through BLAS")
struct MatrixProductTests {
    // Tolerance: k·ε·max|a||b| bounds the rounding of a length-k dot product (Higham, Accuracy
    // and Stability of Numerical Algorithms, §3.1); entries are in [-1, 1] and k = 17.
    @Test("gemm agrees with the triple loop", arguments: [false, true])
    func gemmMatchesNaive(transposeA: Bool) {
        func check<T: BLASScalar>(_: T.Type) {
            let a: Matrix<T> = randomMatrix(transposeA ? 17 : 13, transposeA ? 13 : 17, seed: 1)
            let b: Matrix<T> = randomMatrix(17, 9, seed: 2)
            var c = Matrix<T>(rows: 13, columns: 9)
            Matrix.gemm(a, transposeA: transposeA, b, into: &c)
            let reference = naiveProduct(transposeA ? a.transposed() : a, b)
            #expect(maxAbsDifference(c, reference) <= 17 * 4 * T.ulpOfOne)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test("gemm accumulates with alpha and beta")
    func gemmAlphaBeta() {
        let a = Matrix<Double>([[1, 2], [3, 4]])
        var c = Matrix<Double>([[1, 1], [1, 1]])
        Matrix.gemm(a, a, transposeB: true, alpha: 2, beta: -1, into: &c)
        // a·aᵀ = [[5, 11], [11, 25]] → 2·that − 1
        #expect(c == Matrix([[9, 21], [21, 49]]))
    }

    @Test("gemv agrees with the product by a one-column matrix")
    func gemvMatchesGemm() {
        let a: Matrix<Float> = randomMatrix(7, 5, seed: 3)
        let x: [Float] = [1, -2, 0.5, 3, -1]
        let y = a * x
        let reference = a * Matrix(rows: 5, columns: 1, columnMajor: x)
        #expect(zip(y, reference.elements).allSatisfy { abs($0 - $1) <= 5 * 4 * Float.ulpOfOne * 10 })
        var yt = [Float](repeating: 1, count: 5)
        Matrix.gemv(a, transpose: true, [1, 1, 1, 1, 1, 1, 1], beta: 1, into: &yt)
        for j in 0..<5 {
            let colSum = (0..<7).reduce(Float(1)) { $0 + a[$1, j] }
            #expect(abs(yt[j] - colSum) <= 1e-5)
        }
    }

    @Test("row-major and column-major constructors agree; transpose is an involution")
    func layout() {
        let m = Matrix<Double>(rows: 2, columns: 3, rowMajor: [1, 2, 3, 4, 5, 6])
        #expect(m[0, 2] == 3 && m[1, 0] == 4)
        #expect(m.elements == [1, 4, 2, 5, 3, 6])
        #expect(m.rowMajorElements == [1, 2, 3, 4, 5, 6])
        #expect(m.transposed().transposed() == m)
        #expect(Matrix<Double>.identity(3) * m.transposed() == m.transposed())
    }
}
