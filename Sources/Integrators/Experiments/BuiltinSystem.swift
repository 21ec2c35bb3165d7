import Foundation
import LinearAlgebra

/// The methods by their command-line names. What each is (order, symplecticity) is read off the
/// configured integrator that `BuiltinSystem.run` binds, not kept here a second time.
public enum MethodName: String, CaseIterable, Sendable {
    case euler, midpoint, rk2, rk4, verlet, leapfrog
    /// Iteration of a discrete map (the Hénon map), not a discretisation.
    case map

    /// The time-stepping methods (all but `map`).
    public static var integrators: [MethodName] { [.euler, .midpoint, .rk2, .rk4, .verlet, .leapfrog] }
}

/// Choices that refine a method: how two-step methods start, which Verlet scheme.
public struct MethodOptions: Sendable {
    public var midpointStart: MidpointStart = .eulerStep
    public var leapfrogStart: LeapfrogStart = .taylor
    public var verletScheme: VerletScheme = .symmetric
    public init() {}
}

/// A problem the user named or mis-named: the message says what to do.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The built-in systems by name, in a chosen precision, and the methods that apply to each.
public struct BuiltinSystem<Scalar: BLASScalar> {
    public enum Kind {
        case harmonic(HarmonicOscillator<Scalar>)
        case pendulum(Pendulum<Scalar>)
        case kepler(Kepler<Scalar>)
        case lorenz(Lorenz<Scalar>)
        case rossler(Rossler<Scalar>)
        case duffing(ForcedDuffing<Scalar>)
        case autonomousDuffing(AutonomousDuffing<Scalar>)
        case henon(HenonMap<Scalar>)
        case linear(LinearSystem<Scalar>)
        /// A system from a file (`SystemFile`, `DefinedSystem`).
        case defined(DefinedSystem<Scalar>)
    }

    /// The names `named(_:)` accepts.
    public static var names: [String] { ["harmonic", "pendulum", "kepler", "lorenz", "rossler", "duffing", "duffing-autonomous", "henon", "linear:FILE.npy", "FILE.toml"] }

    public let name: String
    public let kind: Kind
    /// The default initial point (flat coordinates; (q, p) for mechanical systems).
    public let initialPoint: [Scalar]

    /// Looks a system up by name; `linear:FILE` reads A from `.npy`/`.csv`, a name ending in
    /// `.toml` is a system file (`SystemFile`), compiled with the parameter overrides.
    /// - Throws: `SystemError` for an unknown name or a bad system file, `MatrixFileError` for a
    ///   bad matrix file.
    public static func named(_ name: String, parameters: [String: Double] = [:]) throws -> BuiltinSystem {
        if name.hasSuffix(".toml") {
            let system = try DefinedSystem<Scalar>(file: name, parameters: parameters)
            return .init(name: system.name, kind: .defined(system), initialPoint: system.initialPoint)
        }
        guard parameters.isEmpty else {
            throw SystemError("--param sets the parameters of a system file (.toml); \(name) is built in")
        }
        switch name {
        case "harmonic": return .init(name: name, kind: .harmonic(.init()), initialPoint: [1, 0])
        case "pendulum": return .init(name: name, kind: .pendulum(.init()), initialPoint: [1, 0])
        case "kepler":
            let (q, p) = Kepler<Scalar>.initialState()
            return .init(name: name, kind: .kepler(.init()), initialPoint: q.coordinates + p.coordinates)
        case "lorenz": return .init(name: name, kind: .lorenz(.init()), initialPoint: [1, 1, 1])
        case "rossler": return .init(name: name, kind: .rossler(.init()), initialPoint: [1, 1, 1])
        case "duffing": return .init(name: name, kind: .duffing(.init()), initialPoint: [1, 0])
        case "duffing-autonomous": return .init(name: name, kind: .autonomousDuffing(.init()), initialPoint: [1, 0, 0])
        case "henon": return .init(name: name, kind: .henon(.init()), initialPoint: [0, 0])
        default:
            guard name.hasPrefix("linear:") else {
                throw SystemError("unknown system '\(name)'; choose one of \(names.joined(separator: ", "))")
            }
            let path = String(name.dropFirst("linear:".count))
            let a: Matrix<Scalar> = try MatrixFile.read(path)
            guard a.isSquare, a.rows > 0 else {
                throw MatrixFileError(path: path, problem: "y' = A y needs a square, non-empty A; got \(a.rows)×\(a.columns)")
            }
            if let k = a.elements.firstIndex(where: { !$0.isFinite }) {
                throw MatrixFileError(path: path, problem: "non-finite entry (NaN or Inf) at row \(k % a.rows + 1), column \(k / a.rows + 1)")
            }
            return linear(a, name: name)
        }
    }

    /// The linear system y' = A y for an in-memory A, starting from (1, …, 1)/√n.
    /// - Precondition: A is square, non-empty and finite.
    public static func linear(_ a: Matrix<Scalar>, name: String = "linear") -> BuiltinSystem {
        precondition(a.isSquare && a.rows > 0, "BuiltinSystem.linear: A must be square and non-empty")
        let n = a.rows
        return .init(name: name, kind: .linear(LinearSystem(a)),
                     initialPoint: [Scalar](repeating: 1 / Scalar(n).squareRoot(), count: n))
    }

    /// The dimension of the system's point.
    public var dimension: Int { initialPoint.count }

    /// The coordinates' names, in the flat order (for the columns of written trajectories).
    public var coordinateNames: [String] {
        switch kind {
        case .harmonic, .pendulum, .kepler:
            let half = dimension / 2
            return (1...half).map { "q\($0)" } + (1...half).map { "p\($0)" }
        case .lorenz, .rossler: return ["x", "y", "z"]
        case .duffing: return ["x", "v"]
        case .autonomousDuffing: return ["x", "v", "theta"]
        case .henon: return ["x", "y"]
        case .linear: return (1...dimension).map { "y\($0)" }
        case .defined(let d): return d.coordinateNames
        }
    }

    /// Whether the system is a discrete map rather than a flow.
    public var isMap: Bool {
        switch kind {
        case .henon: true
        case .defined(let d): d.isMap
        default: false
        }
    }

    /// The conserved energy (or invariant) at a point, where the system has one: H for the
    /// mechanical systems, ‖y‖²/2 for a linear system with anti-symmetric A.
    public func energy(_ point: [Scalar]) -> Scalar? {
        switch kind {
        case .harmonic(let f): return Self.energy(of: f, at: point)
        case .pendulum(let f): return Self.energy(of: f, at: point)
        case .kepler(let f): return Self.energy(of: f, at: point)
        case .linear(let f): return f.isAntiSymmetric ? point.squaredNorm / 2 : nil
        case .defined(let d): return d.energy(point)
        case .lorenz, .rossler, .duffing, .autonomousDuffing, .henon: return nil
        }
    }

    static func energy<H: HamiltonianSystem>(of system: H, at point: [Scalar]) -> Scalar
    where H.State: CoordinateState, H.Scalar == Scalar {
        let s = PartitionedState<H.State>(coordinates: point)
        return system.energy(q: s.q, p: s.p)
    }

    /// The exact point at time T from `point` where a closed form exists (the harmonic
    /// oscillator), otherwise RK4 with `steps` steps — accurate to about (T/steps)⁴, which the
    /// caller makes negligible against the errors it measures.
    public func reference(from point: [Scalar], endTime: Scalar, steps: Int) throws -> [Scalar] {
        if case .harmonic(let f) = kind {
            let half = point.count / 2
            let exact = f.exact(q: Array(point[..<half]), p: Array(point[half...]), time: endTime)
            return exact.q + exact.p
        }
        let integration = Integration(initialPoint: point, stepSize: endTime / Scalar(steps), steps: steps)
        return try run(.rk4, integration).final
    }

    /// The methods that apply to this system.
    public var methods: [MethodName] {
        switch kind {
        case .harmonic, .pendulum, .kepler: MethodName.integrators
        case .lorenz, .rossler, .duffing, .autonomousDuffing, .linear: [.euler, .midpoint, .rk2, .rk4]
        case .henon: [.map]
        case .defined(let d): d.methods
        }
    }

    /// Binds `method` to this system and runs `experiment` on the binding.
    /// - Throws: `SystemError` if the method does not apply (saying which systems it needs).
    @inlinable @inline(__always)
    public func run<E: BindingExperiment>(_ method: MethodName, options: MethodOptions = .init(), _ experiment: E) throws -> E.Result
    where E.Scalar == Scalar {
        switch kind {
        case .harmonic(let f): return try Self.mechanical(f, method, options, experiment)
        case .pendulum(let f): return try Self.mechanical(f, method, options, experiment)
        case .kepler(let f): return try Self.mechanical(f, method, options, experiment)
        case .lorenz(let f): return try Self.firstOrder(f, method, options, experiment, system: name)
        case .rossler(let f): return try Self.firstOrder(f, method, options, experiment, system: name)
        case .duffing(let f): return try Self.firstOrder(f, method, options, experiment, system: name)
        case .autonomousDuffing(let f): return try Self.firstOrder(f, method, options, experiment, system: name)
        case .linear(let f): return try Self.firstOrder(f, method, options, experiment, system: name)
        case .defined(let d): return try d.run(method, options: options, experiment)
        case .henon(let g):
            guard method == .map else {
                throw SystemError("henon is a discrete map, not a flow: it is iterated (method map), not integrated with \(method.rawValue)")
            }
            return try experiment.run(MethodBinding(reversible: MapIteration<HenonMap<Scalar>>(), field: g))
        }
    }

    @inlinable
    public static func firstOrder<F: VectorField, E: BindingExperiment>(
        _ field: F, _ method: MethodName, _ options: MethodOptions, _ experiment: E, system: String
    ) throws -> E.Result where F.State: CoordinateState, F.Scalar == Scalar, E.Scalar == Scalar {
        switch method {
        case .euler: return try experiment.run(MethodBinding(oneStep: ForwardEuler<F>(), field: field))
        case .rk2: return try experiment.run(MethodBinding(oneStep: RungeKuttaMidpoint<F>(), field: field))
        case .rk4: return try experiment.run(MethodBinding(oneStep: RungeKutta4<F>(), field: field))
        case .midpoint:
            return try experiment.run(MethodBinding(
                integrator: ExplicitMidpoint<F>(), field: field,
                start: { p, h in ExplicitMidpoint.start(field, F.State(coordinates: p), time: 0, stepSize: h, using: options.midpointStart) },
                point: { s, _ in s.current.coordinates },
                unstep: { i, f, s, t, h in i.unstep(f, &s, time: t, stepSize: h) }))
        case .verlet:
            throw SystemError("verlet needs a separable Hamiltonian system (q' = v(p), p' = F(q)): harmonic, pendulum, kepler, or a file of kind hamiltonian (H = T(p) + V(q)) or second-order; \(system) is not one")
        case .leapfrog:
            throw SystemError("leapfrog needs a second-order system y'' = F(y): harmonic, pendulum, kepler, or a file of kind second-order (or hamiltonian with T = |p|²/2); \(system) is not one")
        case .map:
            throw SystemError("map iterates a discrete map (henon); \(system) is a flow: choose euler, midpoint, rk2 or rk4")
        }
    }

    /// A separable Hamiltonian system that is not second order (its velocity is not p): every
    /// method but leapfrog.
    @inlinable
    public static func separable<F: PartitionedVectorField, E: BindingExperiment>(
        _ field: F, _ method: MethodName, _ options: MethodOptions, _ experiment: E, system: String
    ) throws -> E.Result where F.State: CoordinateState, F.Scalar == Scalar, E.Scalar == Scalar {
        switch method {
        case .verlet:
            return try experiment.run(MethodBinding(reversible: StormerVerlet<F>(scheme: options.verletScheme), field: field))
        case .leapfrog:
            throw SystemError("leapfrog needs y'' = F(y), a velocity equal to p; \(system)'s kinetic energy is not |p|²/2: use verlet")
        default:
            return try firstOrder(FirstOrderForm(field), method, options, experiment, system: system)
        }
    }

    @inlinable
    public static func mechanical<F: SecondOrderVectorField, E: BindingExperiment>(
        _ field: F, _ method: MethodName, _ options: MethodOptions, _ experiment: E
    ) throws -> E.Result where F.State: CoordinateState, F.Scalar == Scalar, E.Scalar == Scalar {
        switch method {
        case .euler, .rk2, .rk4, .midpoint:
            return try firstOrder(FirstOrderForm(field), method, options, experiment, system: "")
        case .map:
            throw SystemError("map iterates a discrete map (henon); this system is a flow: choose a method such as verlet or rk4")
        case .verlet:
            return try experiment.run(MethodBinding(reversible: StormerVerlet<F>(scheme: options.verletScheme), field: field))
        case .leapfrog:
            return try experiment.run(MethodBinding(
                integrator: Leapfrog<F>(), field: field,
                start: { p, h in
                    let qp = PartitionedState<F.State>(coordinates: p)
                    return Leapfrog.start(field, position: qp.q, velocity: qp.p, time: 0, stepSize: h, using: options.leapfrogStart)
                },
                point: { s, h in s.current.coordinates + Leapfrog.velocity(field, of: s, time: 0, stepSize: h).coordinates },
                unstep: { i, f, s, t, h in i.unstep(f, &s, time: t, stepSize: h) }))
        }
    }
}
