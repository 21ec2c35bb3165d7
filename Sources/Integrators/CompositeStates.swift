/// The state (q, p) of a partitioned system q' = velocity(p), p' = force(q)
/// (Hairer, Lubich & Wanner, *Geometric Numerical Integration*, 2nd ed., 2006, §I.1.4).
public struct PartitionedState<Part: VectorSpace>: VectorSpace {
    public typealias Scalar = Part.Scalar
    /// Positions (the network's Y half).
    public var q: Part
    /// Momenta (the network's Z half).
    public var p: Part

    @inlinable public init(q: Part, p: Part) {
        self.q = q
        self.p = p
    }

    @inlinable public mutating func axpy(_ a: Scalar, _ x: Self) { q.axpy(a, x.q); p.axpy(a, x.p) }
    @inlinable public mutating func scale(by a: Scalar) { q.scale(by: a); p.scale(by: a) }
    @inlinable public mutating func assign(_ x: Self) { q.assign(x.q); p.assign(x.p) }
    @inlinable public func hasSameShape(as o: Self) -> Bool { q.hasSameShape(as: o.q) && p.hasSameShape(as: o.p) }
    @inlinable public var squaredNorm: Scalar { q.squaredNorm + p.squaredNorm }
    @inlinable public var isFinite: Bool { q.isFinite && p.isFinite }
}

/// The state (y_{n−1}, y_n) of a two-step method, which makes the method a one-step map
/// (y_{n−1}, y_n) ↦ (y_n, y_{n+1}) and so gives it an exact inverse.
public struct TwoStepState<Part: VectorSpace>: VectorSpace {
    public typealias Scalar = Part.Scalar
    /// y_{n−1}.
    public var previous: Part
    /// y_n.
    public var current: Part

    @inlinable public init(previous: Part, current: Part) {
        self.previous = previous
        self.current = current
    }

    @inlinable public mutating func axpy(_ a: Scalar, _ x: Self) { previous.axpy(a, x.previous); current.axpy(a, x.current) }
    @inlinable public mutating func scale(by a: Scalar) { previous.scale(by: a); current.scale(by: a) }
    @inlinable public mutating func assign(_ x: Self) { previous.assign(x.previous); current.assign(x.current) }
    @inlinable public func hasSameShape(as o: Self) -> Bool {
        previous.hasSameShape(as: o.previous) && current.hasSameShape(as: o.current)
    }
    @inlinable public var squaredNorm: Scalar { previous.squaredNorm + current.squaredNorm }
    @inlinable public var isFinite: Bool { previous.isFinite && current.isFinite }

    /// (y_{n−1}, y_n) ↦ (y_n, y_{n−1}): swaps the storage, O(1).
    @inlinable public mutating func swapParts() { swap(&previous, &current) }
}

/// A state with a flat coordinate representation, for output (`.npy` trajectories, JSON) and
/// for building states from user input.
public protocol CoordinateState: VectorSpace {
    /// All components, in a fixed order (q then p for partitioned states).
    var coordinates: [Scalar] { get }
    /// The state with these coordinates; `coordinates.count` must suit the state's structure.
    init(coordinates: [Scalar])
    /// The number of coordinates.
    var coordinateCount: Int { get }
    /// Writes the coordinates to `buffer[0..<coordinateCount]` without allocating.
    func copyCoordinates(to buffer: UnsafeMutablePointer<Scalar>)
    /// Reads the coordinates from `buffer[0..<coordinateCount]` without allocating.
    mutating func setCoordinates(from buffer: UnsafePointer<Scalar>)
}

extension Array: CoordinateState where Element: BinaryFloatingPoint {
    @inlinable public var coordinates: [Element] { self }
    @inlinable public init(coordinates: [Element]) { self = coordinates }
    @inlinable public var coordinateCount: Int { count }
    @inlinable public func copyCoordinates(to buffer: UnsafeMutablePointer<Element>) {
        for i in indices { buffer[i] = self[i] }
    }
    @inlinable public mutating func setCoordinates(from buffer: UnsafePointer<Element>) {
        for i in indices { self[i] = buffer[i] }
    }
}

extension PartitionedState: CoordinateState where Part: CoordinateState {
    @inlinable public var coordinates: [Scalar] { q.coordinates + p.coordinates }
    @inlinable public var coordinateCount: Int { q.coordinateCount + p.coordinateCount }
    @inlinable public func copyCoordinates(to buffer: UnsafeMutablePointer<Scalar>) {
        q.copyCoordinates(to: buffer)
        p.copyCoordinates(to: buffer + q.coordinateCount)
    }
    @inlinable public mutating func setCoordinates(from buffer: UnsafePointer<Scalar>) {
        q.setCoordinates(from: buffer)
        p.setCoordinates(from: buffer + q.coordinateCount)
    }

    /// Splits `coordinates` in equal halves: q first, then p.
    @inlinable public init(coordinates c: [Scalar]) {
        precondition(c.count % 2 == 0, "PartitionedState: \(c.count) coordinates cannot split into (q, p)")
        self.init(q: Part(coordinates: Array(c[..<(c.count / 2)])), p: Part(coordinates: Array(c[(c.count / 2)...])))
    }
}

extension TwoStepState: CoordinateState where Part: CoordinateState {
    /// y_{n−1} then y_n.
    @inlinable public var coordinates: [Scalar] { previous.coordinates + current.coordinates }
    @inlinable public var coordinateCount: Int { previous.coordinateCount + current.coordinateCount }
    @inlinable public func copyCoordinates(to buffer: UnsafeMutablePointer<Scalar>) {
        previous.copyCoordinates(to: buffer)
        current.copyCoordinates(to: buffer + previous.coordinateCount)
    }
    @inlinable public mutating func setCoordinates(from buffer: UnsafePointer<Scalar>) {
        previous.setCoordinates(from: buffer)
        current.setCoordinates(from: buffer + previous.coordinateCount)
    }

    /// Splits `coordinates` in equal halves: y_{n−1} first, then y_n.
    @inlinable public init(coordinates c: [Scalar]) {
        precondition(c.count % 2 == 0, "TwoStepState: \(c.count) coordinates cannot split into (y_{n−1}, y_n)")
        self.init(previous: Part(coordinates: Array(c[..<(c.count / 2)])), current: Part(coordinates: Array(c[(c.count / 2)...])))
    }
}

extension CoordinateState where Self: SIMD, Self.Scalar: BinaryFloatingPoint {
    @inlinable public var coordinates: [Scalar] { indices.map { self[$0] } }
    @inlinable public init(coordinates c: [Scalar]) {
        precondition(c.count == Self.scalarCount, "\(Self.self): needs \(Self.scalarCount) coordinates, got \(c.count)")
        self.init(c)
    }
    @inlinable public var coordinateCount: Int { Self.scalarCount }
    @inlinable public func copyCoordinates(to buffer: UnsafeMutablePointer<Scalar>) {
        for i in indices { buffer[i] = self[i] }
    }
    @inlinable public mutating func setCoordinates(from buffer: UnsafePointer<Scalar>) {
        for i in indices { self[i] = buffer[i] }
    }
}

extension SIMD2: CoordinateState where Scalar: BinaryFloatingPoint {}
extension SIMD3: CoordinateState where Scalar: BinaryFloatingPoint {}
extension SIMD4: CoordinateState where Scalar: BinaryFloatingPoint {}
