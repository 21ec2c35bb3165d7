import Expressions
import LinearAlgebra

/// A system compiled from a system file (`SystemFile`): its fields as Swift values that every
/// integrator and experiment accepts, its right-hand side's exact Jacobian, its energy, and
/// the map from a NaN back to the expression that produced it.
///
/// All expressions of a file are lowered into one graph whose inputs are the flat state
/// x (N values: q then p, or positions then velocities), t, and a direction v (N values);
/// each function is a program over those nodes. Parameters are constants of the graph, so
/// `--param` recompiles with the new values folded in.
public struct DefinedSystem<Scalar: BLASScalar>: Sendable {
    public enum Form: Sendable {
        case field(DefinedField<Scalar>)
        case separable(DefinedPartitionedField<Scalar>)
        case secondOrder(DefinedSecondOrderField<Scalar>)
        case map(DefinedMap<Scalar>)
        case invertibleMap(DefinedInvertibleMap<Scalar>)
    }

    public let name: String
    public let kind: SystemDescription.Kind
    public private(set) var form: Form
    /// The coordinates' names in the flat order (a family's members as x[0], x[1], …).
    public let coordinateNames: [String]
    public let initialPoint: [Scalar]
    /// Every parameter's value after overrides.
    public let parameters: [(name: String, value: Double)]
    /// The first-order right-hand side on the flat state (for a map, g): what Jacobians and
    /// diagnostics read.
    public let rightHandSide: CompiledFunction<Scalar>
    /// H, or the file's `energy`, on the flat state.
    public let energyFunction: CompiledFunction<Scalar>?
    /// Whether any expression reads t.
    public let isTimeDependent: Bool
    /// What the compilation decided that a user should know (a Hamiltonian that is not
    /// separable is integrated as a first-order system, …).
    public let notes: [String]
    /// Where each node of the right-hand side came from, for `diagnose`.
    let sources: [(firstNode: Int, source: SourceText)]
    let origins: [Int: SourceRange]

    /// The state's dimension.
    public var dimension: Int { coordinateNames.count }

    /// Reads, checks and compiles the file at `path`, with parameter overrides.
    public init(file path: String, parameters overrides: [String: Double] = [:]) throws(SystemError) {
        try self.init(try SystemFile.read(path), parameters: overrides)
    }

    public init(_ description: SystemDescription, parameters overrides: [String: Double] = [:]) throws(SystemError) {
        var c = try SystemCompiler(description, overrides: overrides)
        let compiled = try c.compile()
        func function(_ f: SystemCompiler.Function) -> CompiledFunction<Scalar> {
            CompiledFunction(value: f.value, derivative: f.derivative, argument: f.argument, time: compiled.timeSlot,
                             direction: f.direction, inputDimension: f.inputDimension, outputDimension: f.outputDimension)
        }
        switch compiled.form {
        case .field(let f): form = .field(DefinedField(function(f)))
        case .separable(let v, let f): form = .separable(DefinedPartitionedField(velocityFunction: function(v), forceFunction: function(f)))
        case .secondOrder(let a): form = .secondOrder(DefinedSecondOrderField(accelerationFunction: function(a)))
        case .map(let g, nil): form = .map(DefinedMap(g: function(g)))
        case .map(let g, let inverse?): form = .invertibleMap(DefinedInvertibleMap(forward: DefinedMap(g: function(g)), inverse: DefinedMap(g: function(inverse))))
        }
        name = description.name
        kind = description.kind
        coordinateNames = c.coordinateNames
        initialPoint = compiled.initial.map { Scalar($0) }
        parameters = c.parameterOrder.map { ($0, c.parameters[$0]!) }
        rightHandSide = function(compiled.rightHandSide)
        energyFunction = compiled.energy.map(function)
        isTimeDependent = compiled.isTimeDependent
        notes = compiled.notes
        sources = c.sources
        origins = c.graph.origins
    }

    /// The methods that apply.
    public var methods: [MethodName] {
        switch form {
        case .field: [.euler, .midpoint, .rk2, .rk4]
        case .separable: [.euler, .midpoint, .rk2, .rk4, .verlet]
        case .secondOrder: MethodName.integrators
        case .map, .invertibleMap: [.map]
        }
    }

    public var isMap: Bool {
        switch form {
        case .map, .invertibleMap: true
        default: false
        }
    }

    /// H or the declared energy at a flat point.
    public func energy(_ point: [Scalar]) -> Scalar? { energyFunction.map { $0(point)[0] } }

    /// ∂f/∂x at a point and time, exact (forward-mode differentiation).
    public func jacobian(at point: [Scalar], time: Scalar = 0) -> Matrix<Scalar> { rightHandSide.jacobian(at: point, time: time) }

    /// Binds `method` and runs `experiment`.
    @inlinable
    public func run<E: BindingExperiment>(_ method: MethodName, options: MethodOptions = .init(), _ experiment: E) throws -> E.Result
    where E.Scalar == Scalar {
        switch form {
        case .field(let f) where f.f.tangents == 0 && (2...4).contains(f.f.inputDimension):
            switch f.f.inputDimension {
            case 2: return try BuiltinSystem<Scalar>.firstOrder(DefinedSmallField<SIMD2<Scalar>>(f.f), method, options, experiment, system: name)
            case 3: return try BuiltinSystem<Scalar>.firstOrder(DefinedSmallField<SIMD3<Scalar>>(f.f), method, options, experiment, system: name)
            default: return try BuiltinSystem<Scalar>.firstOrder(DefinedSmallField<SIMD4<Scalar>>(f.f), method, options, experiment, system: name)
            }
        case .field(let f): return try BuiltinSystem<Scalar>.firstOrder(f, method, options, experiment, system: name)
        case .separable(let f): return try BuiltinSystem<Scalar>.separable(f, method, options, experiment, system: name)
        case .secondOrder(let f): return try BuiltinSystem<Scalar>.mechanical(f, method, options, experiment)
        case .map(let g):
            guard method == .map else { throw SystemError("\(name) is a map: it is iterated (method map), not integrated with \(method.rawValue)") }
            return try experiment.run(MethodBinding(oneStep: MapIteration<DefinedMap<Scalar>>(), field: g))
        case .invertibleMap(let g):
            guard method == .map else { throw SystemError("\(name) is a map: it is iterated (method map), not integrated with \(method.rawValue)") }
            return try experiment.run(MethodBinding(reversible: MapIteration<DefinedInvertibleMap<Scalar>>(), field: g))
        }
    }

    // MARK: Variational form

    /// The size of one part of the state that a compiled function reads: N for first-order
    /// fields and maps, N/2 for (q, p) systems.
    public var partDimension: Int {
        switch form {
        case .field, .map, .invertibleMap: dimension
        case .separable, .secondOrder: dimension / 2
        }
    }

    /// The same system carrying `k` tangent columns in every part of its state (see
    /// `CompiledFunction`).
    public func withTangents(_ k: Int) -> DefinedSystem {
        var s = self
        switch form {
        case .field(var f): f.f.tangents = k; s.form = .field(f)
        case .separable(var f): f.velocityFunction.tangents = k; f.forceFunction.tangents = k; s.form = .separable(f)
        case .secondOrder(var f): f.accelerationFunction.tangents = k; s.form = .secondOrder(f)
        case .map(var g): g.g.tangents = k; s.form = .map(g)
        case .invertibleMap(var g): g.forward.g.tangents = k; g.inverse.g.tangents = k; s.form = .invertibleMap(g)
        }
        return s
    }

    /// A flat point with k zero tangent columns after each part: the variational system's point.
    public func variationalPoint(_ point: [Scalar], tangents k: Int) -> [Scalar] {
        let m = partDimension
        return stride(from: 0, to: point.count, by: m).flatMap { start in
            Array(point[start..<(start + m)]) + [Scalar](repeating: 0, count: m * k)
        }
    }

    // MARK: Diagnostics

    /// Where a run that left the finite numbers went wrong: the expression whose value is NaN or
    /// infinite at the last finite point (x, t), with the file, line and a caret; nil if every
    /// expression is finite there (the solution then blew up within a step).
    public func diagnose(at point: [Double], time: Double) -> String? {
        guard let node = rightHandSide.firstNonFinite(at: point, time: time),
              let source = sources.last(where: { $0.firstNode <= node })?.source else { return nil }
        let range = origins[node] ?? SourceRange(0, source.text.utf8.count)
        let at = zip(coordinateNames, point).map { "\($0) = \($1)" }.joined(separator: ", ")
        return source.located(ExpressionError("this is not finite at t = \(time), \(at)", at: range)).description
    }
}
