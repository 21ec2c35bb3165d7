import LinearAlgebra

/// The Rössler system x' = −y − z, y' = x + a y, z' = b + z(x − c) (Rössler, "An equation for
/// continuous chaos", Phys. Lett. A 1976), with a = b = 0.2, c = 5.7.
public struct Rossler<Scalar: BLASScalar>: VectorField {
    public typealias State = SIMD3<Scalar>
    public var a: Scalar
    public var b: Scalar
    public var c: Scalar

    public init(a: Scalar = 0.2, b: Scalar = 0.2, c: Scalar = 5.7) {
        self.a = a
        self.b = b
        self.c = c
    }

    @inlinable
    public func evaluate(_ x: State, time: Scalar, into d: inout State) {
        d = State(-x.y - x.z, x.x + a * x.y, b + x.z * (x.x - c))
    }
}
