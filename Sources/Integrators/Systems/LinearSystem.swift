import LinearAlgebra

/// The linear system y' = A y, evaluated with BLAS `?gemv`. For an anti-symmetric A the
/// flow is orthogonal and ‖y‖²/2 is conserved.
public struct LinearSystem<Scalar: BLASScalar>: VectorField {
    public typealias State = [Scalar]
    public let matrix: Matrix<Scalar>

    /// - Precondition: A is square.
    public init(_ matrix: Matrix<Scalar>) {
        precondition(matrix.isSquare, "LinearSystem: the matrix must be square, got \(matrix.rows)×\(matrix.columns)")
        self.matrix = matrix
    }

    @inlinable
    public func evaluate(_ y: [Scalar], time: Scalar, into d: inout [Scalar]) {
        Matrix.gemv(matrix, y, into: &d)
    }

    /// Whether A = −Aᵀ exactly, so that ‖y‖²/2 is an invariant.
    public var isAntiSymmetric: Bool {
        let n = matrix.rows
        for j in 0..<n { for i in 0...j where matrix[i, j] != -matrix[j, i] { return false } }
        return true
    }
}
