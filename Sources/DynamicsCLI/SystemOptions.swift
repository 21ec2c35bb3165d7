import ArgumentParser
import Dynamics

extension MethodName: ExpressibleByArgument {}
extension MidpointStart: ExpressibleByArgument {}
extension LeapfrogStart: ExpressibleByArgument {}
extension VerletScheme: ExpressibleByArgument {}

/// The floating-point precision of a run.
enum Precision: String, ExpressibleByArgument, CaseIterable {
    case double, float
}

/// The flags that name a system and a method, shared by integrate, reverse and convergence.
struct SystemOptions: ParsableArguments {
    @Option(help: "The system: harmonic, pendulum, kepler, lorenz, rossler, duffing (forced, time-dependent), duffing-autonomous, henon, linear:FILE.npy (y' = A y), or a system file FILE.toml (your own equations; see examples/systems/).")
    var system: String?

    @Option(name: .customLong("param"), parsing: .singleValue, help: "NAME=VALUE: set a parameter of a system file (repeatable), e.g. --param rho=99.96.")
    var parameters: [String] = []

    @Option(help: "The method: \(MethodName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: MethodName?

    @Option(help: "Arithmetic: double or float (default double).")
    var precision: Precision?

    /// The arithmetic of the run (double unless --precision says otherwise).
    var arithmetic: Precision { precision ?? .double }

    @Option(parsing: .unconditional, help: "Initial point x1,x2,… (q then p for mechanical systems; default: the system's own).")
    var initial: String?

    @Option(help: "Two-step midpoint start: euler (y₋₁ = y₀ − h f(y₀), order 2; default) or repeat (y₋₁ = y₀, the paper's).")
    var midpointStart: MidpointStart?

    @Option(help: "Leapfrog start: taylor (y₋₁ = y₀ − h v₀ + h²/2 F(y₀), order 2; default) or repeat (y₋₁ = y₀, the paper's).")
    var leapfrogStart: LeapfrogStart?

    @Option(help: "Störmer–Verlet scheme: symmetric (order 2; default) or staggered (the paper's Hamiltonian block, order 1).")
    var verletScheme: VerletScheme?

    var methodOptions: MethodOptions {
        var o = MethodOptions()
        if let midpointStart { o.midpointStart = midpointStart }
        if let leapfrogStart { o.leapfrogStart = leapfrogStart }
        if let verletScheme { o.verletScheme = verletScheme }
        return o
    }

    /// The flags that only a system run reads (rejected beside --arch or --block).
    var systemOnlyFlags: [(name: String, given: Bool)] {
        [("--system", system != nil), ("--method", method != nil), ("--initial", initial != nil), ("--param", !parameters.isEmpty),
         ("--midpoint-start", midpointStart != nil), ("--leapfrog-start", leapfrogStart != nil),
         ("--verlet-scheme", verletScheme != nil)]
    }

    /// The named system in precision T, and its initial point (validated against the dimension).
    func resolve<T: BLASScalar>(_: T.Type) throws -> (system: BuiltinSystem<T>, initial: [T]) {
        guard let name = self.system else { throw CLIError("--system is required; choose one of \(BuiltinSystem<T>.names.joined(separator: ", "))") }
        let system: BuiltinSystem<T>
        do { system = try BuiltinSystem<T>.named(name, parameters: try parameterOverrides()) } catch let e as SystemError { throw CLIError(e.description) }
        guard let initial else { return (system, system.initialPoint) }
        return (system, try parsePoint(initial, flag: "--initial", for: system))
    }

    /// The --param NAME=VALUE pairs.
    func parameterOverrides() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for text in parameters {
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value.isFinite else {
                throw CLIError("--param takes NAME=VALUE with a finite number, e.g. --param rho=28; got '\(text)'")
            }
            guard result.updateValue(value, forKey: parts[0]) == nil else { throw CLIError("--param \(parts[0]) is given twice") }
        }
        return result
    }

    /// A point given as x1,x2,… for `system`, checked for its dimension and finiteness.
    func parsePoint<T: BLASScalar>(_ text: String, flag: String, for system: BuiltinSystem<T>) throws -> [T] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard values.count == parts.count else {
            throw CLIError("\(flag) must be numbers separated by commas, got '\(text)'")
        }
        guard values.count == system.dimension else {
            throw CLIError("\(flag) has \(values.count) values; \(system.name) needs \(system.dimension)")
        }
        guard values.allSatisfy(\.isFinite) else { throw CLIError("\(flag) has a non-finite value: '\(text)'") }
        return values.map { T($0) }
    }

    /// The method: required for flows, `map` by default for maps.
    func requireMethod<T>(for system: BuiltinSystem<T>) throws -> MethodName {
        guard let method else {
            if system.isMap { return .map }
            throw CLIError("--method is required for \(system.name); choose one of \(system.methods.map(\.rawValue).joined(separator: ", "))")
        }
        return method
    }
}

/// Checks that a positive-number flag is usable.
func validatePositive(_ value: Double, flag: String) throws {
    guard value.isFinite, value > 0 else { throw CLIError("\(flag) must be a positive finite number, got \(value)") }
}

/// The flags that set up random blocks: `eig --block`, `reverse --arch` and `lyapunov --arch`.
struct BlockOptions: ParsableArguments {
    @Option(help: "Channels of the feature map (default 4; even for hamiltonian, midpoint, revnet).")
    var channels: Int?

    @Option(parsing: .unconditional, help: "Spatial size of the feature map, S or HxW (default 8x8).", transform: Arguments.size)
    var size: ImageSize?

    @Option(help: "Seed of the random input and weights (default 1).")
    var seed: UInt64?

    @Option(help: "Activation σ: tanh (default; σ' > 0, so the Jacobians are non-singular) or relu.")
    var activation: Activation?

    @Option(help: "Batch norm inside the blocks: none (default; the paper's equations) or batch (the authors' code).")
    var norm: Normalization?

    /// The flags that only a block run reads (rejected beside --system or a matrix file).
    var blockOnlyFlags: [(name: String, given: Bool)] {
        [("--channels", channels != nil), ("--size", size != nil), ("--seed", seed != nil), ("--activation", activation != nil),
         ("--norm", norm != nil)]
    }

    /// The set-up of `block` with step size `stepSize` (nil: the block's default), checked for
    /// `units` blocks and, with `denseMatrices`, for n×n matrices on the state; batch norms use
    /// `statistics`.
    func setup<T: BLASScalar>(_: T.Type, block: Block, stepSize: Double?, units: Int, denseMatrices: Bool,
                              statistics: NormalizationMode = .running) throws -> BlockSetup<T> {
        try mappingLibraryErrors {
            let size = self.size ?? ImageSize(height: 8, width: 8)
            var setup = try BlockSetup<T>(channels: channels ?? 4, height: size.height, width: size.width, stepSize: stepSize,
                                          activation: activation ?? .tanh, seed: seed ?? 1)
            setup.normalization = norm ?? .none
            setup.statistics = statistics
            try setup.check(block)
            try setup.checkMemory(block, units: units, denseMatrices: denseMatrices)
            return setup
        }
    }
}

extension Activation: ExpressibleByArgument {}
extension Normalization: ExpressibleByArgument {}
extension Block: ExpressibleByArgument {}
