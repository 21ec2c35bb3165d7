/// A state an integrator can advance: a real vector space with in-place operations, so a step
/// can run without allocating.
///
/// Integrators are written once against this protocol; `[Float]`, `[Double]`, the composite
/// states (`PartitionedState`, `TwoStepState`) and the network's tensors all conform.
/// Operations are in place and require operands of the same shape (a precondition).
public protocol VectorSpace {
    associatedtype Scalar: BinaryFloatingPoint

    /// self ← self + a·x (BLAS `axpy`).
    mutating func axpy(_ a: Scalar, _ x: Self)
    /// self ← a·self.
    mutating func scale(by a: Scalar)
    /// self ← x, reusing self's storage.
    mutating func assign(_ x: Self)
    /// Whether `other` has the shape of `self` (so it can be used as workspace for it).
    func hasSameShape(as other: Self) -> Bool
    /// Σ xᵢ², the squared Euclidean norm over all components.
    var squaredNorm: Scalar { get }
    /// Whether every component is finite.
    var isFinite: Bool { get }
}

extension VectorSpace {
    /// self ← self + x.
    @inlinable public mutating func add(_ x: Self) { axpy(1, x) }
    /// self ← self − x.
    @inlinable public mutating func subtract(_ x: Self) { axpy(-1, x) }
    /// The Euclidean norm.
    @inlinable public var norm: Scalar { squaredNorm.squareRoot() }

    /// ‖self − other‖ (allocates a temporary; not for hot loops).
    @inlinable
    public func distance(to other: Self) -> Scalar {
        var d = self
        d.subtract(other)
        return d.norm
    }
}

extension Array: VectorSpace where Element: BinaryFloatingPoint {
    public typealias Scalar = Element

    @inlinable
    public mutating func axpy(_ a: Element, _ x: [Element]) {
        precondition(count == x.count, "axpy: vectors of length \(count) and \(x.count)")
        withUnsafeMutableBufferPointer { y in
            x.withUnsafeBufferPointer { x in
                for i in 0..<y.count { y[i] += a * x[i] }
            }
        }
    }

    @inlinable
    public mutating func scale(by a: Element) {
        withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] *= a }
        }
    }

    @inlinable
    public mutating func assign(_ x: [Element]) {
        precondition(count == x.count, "assign: vectors of length \(count) and \(x.count)")
        withUnsafeMutableBufferPointer { y in
            x.withUnsafeBufferPointer { x in
                for i in 0..<y.count { y[i] = x[i] }
            }
        }
    }

    @inlinable
    public func hasSameShape(as other: [Element]) -> Bool { count == other.count }

    @inlinable
    public var squaredNorm: Element {
        withUnsafeBufferPointer { x in
            var s: Element = 0
            for i in 0..<x.count { s += x[i] * x[i] }
            return s
        }
    }

    @inlinable
    public var isFinite: Bool { allSatisfy { $0.isFinite } }
}

// MARK: - Fixed-size states

/// The `VectorSpace` operations of Swift's SIMD vectors: fixed-size, inline, no heap and no
/// copy-on-write, so the small built-in systems (Lorenz, Rössler, Kepler, Hénon) step at the
/// speed of plain C.
extension VectorSpace where Self: SIMD, Self.Scalar: BinaryFloatingPoint {
    @inlinable public mutating func axpy(_ a: Scalar, _ x: Self) { self += a * x }
    @inlinable public mutating func scale(by a: Scalar) { self *= a }
    @inlinable public mutating func assign(_ x: Self) { self = x }
    @inlinable public func hasSameShape(as other: Self) -> Bool { true }
    @inlinable public var squaredNorm: Scalar { (self * self).sum() }
    @inlinable public var isFinite: Bool { indices.allSatisfy { self[$0].isFinite } }
}

extension SIMD2: VectorSpace where Scalar: BinaryFloatingPoint {}
extension SIMD3: VectorSpace where Scalar: BinaryFloatingPoint {}
extension SIMD4: VectorSpace where Scalar: BinaryFloatingPoint {}
