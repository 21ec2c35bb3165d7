import Integrators
import LinearAlgebra
import RealModule

/// Where the tangent columns sit in the coordinates of a variational state (see
/// `CompiledFunction`): the method's state is P parts (1 for a one-step method on a
/// first-order field; q and p; the pair of a two-step method), each m values followed by k
/// columns of m. A tangent vector of the method's state, of dimension D = P·m, is column j of
/// every part in turn.
public struct TangentLayout: Sendable {
    /// m, the values per part.
    public let partDimension: Int
    /// k, the columns per part.
    public let tangents: Int

    public init(partDimension: Int, tangents: Int) {
        self.partDimension = partDimension
        self.tangents = tangents
    }

    @inlinable var stride: Int { partDimension * (1 + tangents) }

    /// D for a state with `count` coordinates.
    @inlinable public func dimension(ofStateWith count: Int) -> Int { count / stride * partDimension }

    /// Copies the k tangent vectors out of `state` into `columns` (D×k, column-major).
    @inlinable
    public func gather<S>(_ state: UnsafePointer<S>, count: Int, into columns: UnsafeMutablePointer<S>) {
        let m = partDimension, d = dimension(ofStateWith: count)
        for part in 0..<(count / stride) {
            let source = state + part * stride + m
            for j in 0..<tangents {
                for i in 0..<m { columns[j * d + part * m + i] = source[j * m + i] }
            }
        }
    }

    /// Writes the k tangent vectors from `columns` (D×k) into `state`.
    @inlinable
    public func scatter<S>(_ columns: UnsafePointer<S>, into state: UnsafeMutablePointer<S>, count: Int) {
        let m = partDimension, d = dimension(ofStateWith: count)
        for part in 0..<(count / stride) {
            let target = state + part * stride + m
            for j in 0..<tangents {
                for i in 0..<m { target[j * m + i] = columns[j * d + part * m + i] }
            }
        }
    }

    /// Sets the tangent vectors to the first k unit vectors of ℝᴰ.
    @inlinable
    public func seedUnitVectors<State: CoordinateState>(_ state: inout State) {
        let count = state.coordinateCount, d = dimension(ofStateWith: count)
        var coordinates = [State.Scalar](repeating: 0, count: count)
        var columns = [State.Scalar](repeating: 0, count: d * tangents)
        for j in 0..<min(tangents, d) { columns[j * d + j] = 1 }
        coordinates.withUnsafeMutableBufferPointer { c in
            state.copyCoordinates(to: c.baseAddress!)
            columns.withUnsafeBufferPointer { scatter($0.baseAddress!, into: c.baseAddress!, count: count) }
            state.setCoordinates(from: UnsafePointer(c.baseAddress!))
        }
    }
}

/// The dimension of a method's state for a system point (2n for a two-step method's pair).
public struct StateDimension<Scalar: BLASScalar>: BindingExperiment {
    public var point: [Scalar]
    public var stepSize: Scalar
    public init(point: [Scalar], stepSize: Scalar) { self.point = point; self.stepSize = stepSize }
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> Int where I.State: CoordinateState, I.State.Scalar == Scalar {
        b.start(point, stepSize).coordinateCount
    }
}

/// The exact Jacobian of one step of a method, on its full state: the step applied to the
/// variational system with the identity as tangents (a system file's, whose Jacobian–vector
/// products are exact; `StepJacobian` differences the step instead).
public struct VariationalStepJacobian<Scalar: BLASScalar>: BindingExperiment {
    /// The variational point (tangent columns zero) and the layout.
    public var point: [Scalar]
    public var stepSize: Scalar
    public var layout: TangentLayout

    public init(point: [Scalar], stepSize: Scalar, layout: TangentLayout) {
        self.point = point
        self.stepSize = stepSize
        self.layout = layout
    }

    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> Matrix<Scalar> where I.State: CoordinateState, I.State.Scalar == Scalar {
        var state = b.start(point, stepSize)
        layout.seedUnitVectors(&state)
        var integrator = b.integrator
        integrator.step(b.field, &state, time: 0, stepSize: stepSize)
        let count = state.coordinateCount, d = layout.dimension(ofStateWith: count)
        var coordinates = [Scalar](repeating: 0, count: count)
        var columns = [Scalar](repeating: 0, count: d * layout.tangents)
        coordinates.withUnsafeMutableBufferPointer { c in
            state.copyCoordinates(to: c.baseAddress!)
            columns.withUnsafeMutableBufferPointer { layout.gather(UnsafePointer(c.baseAddress!), count: count, into: $0.baseAddress!) }
        }
        return Matrix(rows: d, columns: layout.tangents, columnMajor: columns)
    }
}

/// The Lyapunov spectrum from the variational system: the state carries k tangent vectors,
/// advanced by the method's own step with exact Jacobian–vector products, and re-orthonormalised
/// by QR (the algorithm of `LyapunovSpectrum`, without its difference steps: one step of the
/// variational system per step instead of 2k + 1 steps).
public struct VariationalLyapunovSpectrum<Scalar: BLASScalar>: BindingExperiment {
    public var settings: LyapunovSettings<Scalar>
    public var layout: TangentLayout

    public init(_ settings: LyapunovSettings<Scalar>, layout: TangentLayout) {
        self.settings = settings
        self.layout = layout
    }

    @inlinable
    public func run<I: Integrator>(_ b: MethodBinding<I>) throws -> LyapunovResult<Scalar>
    where I.State: CoordinateState, I.State.Scalar == Scalar {
        try settings.measure(b) { integrator, x, history in
            let h = settings.stepSize, k = layout.tangents
            layout.seedUnitVectors(&x)
            let count = x.coordinateCount, d = layout.dimension(ofStateWith: count)
            var coordinates = [Scalar](repeating: 0, count: count)
            var q = [Scalar](repeating: 0, count: d * k)
            var workspace = QRWorkspace<Scalar>(rows: d, columns: k)
            var diagonal = [Scalar](repeating: 0, count: k)
            var sums = [Double](repeating: 0, count: k)
            for step in 1...settings.steps {
                integrator.step(b.field, &x, time: settings.time(ofStep: settings.transient + step - 1), stepSize: h)
                guard x.isFinite else {
                    throw LinearAlgebraError.failed(routine: "lyapunov", info: step, reason: "the trajectory or its tangents overflowed at step \(step); use a smaller step size or renormalise more often")
                }
                if settings.renormalizes(at: step) {
                    try coordinates.withUnsafeMutableBufferPointer { c in
                        try q.withUnsafeMutableBufferPointer { qp in
                            x.copyCoordinates(to: c.baseAddress!)
                            layout.gather(UnsafePointer(c.baseAddress!), count: count, into: qp.baseAddress!)
                            try diagonal.withUnsafeMutableBufferPointer { try workspace.orthonormalize(qp.baseAddress!, diagonalR: $0.baseAddress!) }
                            layout.scatter(UnsafePointer(qp.baseAddress!), into: c.baseAddress!, count: count)
                            x.setCoordinates(from: UnsafePointer(c.baseAddress!))
                        }
                    }
                    for j in 0..<k { sums[j] += Double.log(Double(abs(diagonal[j]))) }
                }
                settings.record(step: step, sums: sums, into: &history)
            }
            return sums
        }
    }
}

extension BuiltinSystem {
    /// Whether the system's tangents are exact (a system file's, by forward-mode
    /// differentiation); the built-in systems difference their steps.
    public var hasExactTangents: Bool { if case .defined = kind { true } else { false } }

    /// The Lyapunov spectrum (k = `count` exponents, all by default) with `method`: through the
    /// variational system where tangents are exact, else `LyapunovSpectrum`'s differences.
    @inlinable
    public func lyapunovSpectrum(_ method: MethodName, options: MethodOptions = .init(), _ settings: LyapunovSettings<Scalar>,
                                 count: Int? = nil) throws -> LyapunovResult<Scalar> {
        guard case .defined(let system) = kind else { return try run(method, options: options, LyapunovSpectrum(settings, count: count)) }
        let d = try system.run(method, options: options, StateDimension(point: settings.initialPoint, stepSize: settings.stepSize))
        let k = min(count ?? d, d)
        try Self.checkTangentMemory(dimension: d, tangents: k)
        var variational = settings
        variational.initialPoint = system.variationalPoint(settings.initialPoint, tangents: k)
        return try system.withTangents(k).run(method, options: options,
                                              VariationalLyapunovSpectrum(variational, layout: TangentLayout(partDimension: system.partDimension, tangents: k)))
    }

    /// The most values a variational state may hold (tangent columns included): 2²⁶, 512 MB in
    /// Double, checked before anything that size is allocated.
    public static var maximumTangentValues: Int { 1 << 26 }

    /// Refuses k tangents of a D-dimensional state when the variational state would be too large.
    public static func checkTangentMemory(dimension d: Int, tangents k: Int) throws {
        let (product, overflow) = d.multipliedReportingOverflow(by: k + 1)
        guard !overflow, product <= maximumTangentValues else {
            throw SystemError("\(k) tangent vectors of a \(d)-dimensional state need \(overflow ? "more than \(Int.max)" : "\(product)") values, more than \(maximumTangentValues); ask for fewer exponents (--exponents K)")
        }
    }

    /// The Jacobian of one step of `method` at `point`: exact for a system file, by central
    /// differences (`StepJacobian`) otherwise.
    public func stepJacobian(_ method: MethodName, options: MethodOptions = .init(), at point: [Scalar], stepSize: Scalar) throws -> Matrix<Scalar> {
        guard case .defined(let system) = kind else { return try run(method, options: options, StepJacobian(at: point, stepSize: stepSize)) }
        let d = try system.run(method, options: options, StateDimension(point: point, stepSize: stepSize))
        try Self.checkTangentMemory(dimension: d, tangents: d)
        return try system.withTangents(d).run(method, options: options, VariationalStepJacobian(
            point: system.variationalPoint(point, tangents: d), stepSize: stepSize, layout: TangentLayout(partDimension: system.partDimension, tangents: d)))
    }
}
