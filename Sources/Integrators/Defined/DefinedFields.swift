import LinearAlgebra

/// The fields of system files, over flat arrays: each wraps compiled functions
/// (`CompiledFunction`) and conforms to the protocol its kind of system needs, so every
/// integrator and experiment runs on them as on the built-in systems. In variational mode
/// (`tangents > 0`) each part of the state carries its tangent columns after its values.

/// x' = f(x, t) from a file (kind = "ode", or a Hamiltonian that is not separable).
public struct DefinedField<Scalar: BLASScalar>: VectorField, Sendable {
    public typealias State = [Scalar]
    public var f: CompiledFunction<Scalar>

    public init(_ f: CompiledFunction<Scalar>) { self.f = f }

    @inlinable
    public func evaluate(_ x: [Scalar], time t: Scalar, into d: inout [Scalar]) {
        x.withUnsafeBufferPointer { x in
            d.withUnsafeMutableBufferPointer { d in f.apply(x.baseAddress!, time: t, into: d.baseAddress!) }
        }
    }
}

/// A file's x' = f(x, t) on a SIMD state, for 2 to 4 variables: the state then lives in
/// registers as the built-in systems' do, with no array bookkeeping around each stage of a
/// step (measured on Lorenz under RK4, 10⁶ steps: see the README's benchmark of system files).
/// `DefinedSystem.run` picks it for plain runs; variational runs carry tangents in arrays.
public struct DefinedSmallField<Vector: SIMD & CoordinateState>: VectorField, Sendable where Vector.Scalar: BLASScalar {
    public typealias State = Vector
    public var f: CompiledFunction<Vector.Scalar>

    public init(_ f: CompiledFunction<Vector.Scalar>) {
        precondition(f.inputDimension == Vector.scalarCount && f.tangents == 0, "DefinedSmallField: a plain function of \(Vector.scalarCount) variables")
        self.f = f
    }

    @inlinable
    public func evaluate(_ x: Vector, time t: Vector.Scalar, into d: inout Vector) {
        withUnsafePointer(to: x) { xp in
            withUnsafeMutablePointer(to: &d) { dp in
                // SIMD vectors store their lanes contiguously.
                let xs = UnsafeRawPointer(xp).assumingMemoryBound(to: Vector.Scalar.self)
                let ds = UnsafeMutableRawPointer(dp).assumingMemoryBound(to: Vector.Scalar.self)
                f.apply(xs, time: t, into: ds)
            }
        }
    }
}

/// q' = ∂H/∂p (p, t), p' = −∂H/∂q (q, t) for a separable Hamiltonian H = T(p) + V(q) from a file.
public struct DefinedPartitionedField<Scalar: BLASScalar>: PartitionedVectorField, Sendable {
    public typealias State = [Scalar]
    public var velocityFunction: CompiledFunction<Scalar>
    public var forceFunction: CompiledFunction<Scalar>

    @inlinable
    public func velocity(_ p: [Scalar], time t: Scalar, into dq: inout [Scalar]) {
        p.withUnsafeBufferPointer { p in
            dq.withUnsafeMutableBufferPointer { dq in velocityFunction.apply(p.baseAddress!, time: t, into: dq.baseAddress!) }
        }
    }

    @inlinable
    public func force(_ q: [Scalar], time t: Scalar, into dp: inout [Scalar]) {
        q.withUnsafeBufferPointer { q in
            dp.withUnsafeMutableBufferPointer { dp in forceFunction.apply(q.baseAddress!, time: t, into: dp.baseAddress!) }
        }
    }
}

/// y'' = F(y, t) from a file (kind = "second-order"; also a separable Hamiltonian whose
/// kinetic energy is |p|²/2, whose velocity is p).
public struct DefinedSecondOrderField<Scalar: BLASScalar>: SecondOrderVectorField, Sendable {
    public typealias State = [Scalar]
    public var accelerationFunction: CompiledFunction<Scalar>

    @inlinable
    public func acceleration(_ y: [Scalar], time t: Scalar, into a: inout [Scalar]) {
        y.withUnsafeBufferPointer { y in
            a.withUnsafeMutableBufferPointer { a in accelerationFunction.apply(y.baseAddress!, time: t, into: a.baseAddress!) }
        }
    }
}

/// x_{n+1} = g(x_n) from a file (kind = "map").
public struct DefinedMap<Scalar: BLASScalar>: DiscreteMap, Sendable {
    public typealias State = [Scalar]
    public var g: CompiledFunction<Scalar>

    @inlinable
    public func apply(_ x: [Scalar], into next: inout [Scalar]) {
        x.withUnsafeBufferPointer { x in
            next.withUnsafeMutableBufferPointer { y in g.apply(x.baseAddress!, time: 0, into: y.baseAddress!) }
        }
    }
}

/// A file's map with its declared inverse (the [inverse] table).
public struct DefinedInvertibleMap<Scalar: BLASScalar>: InvertibleMap, Sendable {
    public typealias State = [Scalar]
    public var forward: DefinedMap<Scalar>
    public var inverse: DefinedMap<Scalar>

    @inlinable public func apply(_ x: [Scalar], into next: inout [Scalar]) { forward.apply(x, into: &next) }
    @inlinable public func applyInverse(_ x: [Scalar], into previous: inout [Scalar]) { inverse.apply(x, into: &previous) }
}
