import LinearAlgebra

/// The Hénon map (x, y) ↦ (1 − a x² + y, b x) (Hénon, "A two-dimensional mapping with a
/// strange attractor", Comm. Math. Phys. 1976), a = 1.4, b = 0.3. Its Jacobian determinant is
/// the constant −b, so the exponents sum to ln b.
public struct HenonMap<Scalar: BLASScalar>: InvertibleMap {
    public typealias State = SIMD2<Scalar>
    public var a: Scalar
    public var b: Scalar

    public init(a: Scalar = 1.4, b: Scalar = 0.3) {
        self.a = a
        self.b = b
    }

    @inlinable
    public func apply(_ x: State, into next: inout State) {
        next = State(1 - a * x.x * x.x + x.y, b * x.x)
    }

    /// The inverse (x, y) ↦ (y/b, x − 1 + a (y/b)²), defined for b ≠ 0.
    @inlinable
    public func applyInverse(_ x: State, into previous: inout State) {
        let u = x.y / b
        previous = State(u, x.x - 1 + a * u * u)
    }
}
