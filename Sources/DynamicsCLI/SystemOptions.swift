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
    @Option(help: "The system: harmonic, pendulum, kepler, lorenz, rossler, henon, or linear:FILE.npy (y' = A y).")
    var system: String?

    @Option(help: "The method: \(MethodName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: MethodName?

    @Option(help: "Arithmetic: double or float.")
    var precision: Precision = .double

    @Option(parsing: .unconditional, help: "Initial point x1,x2,… (q then p for mechanical systems; default: the system's own).")
    var initial: String?

    @Option(help: "Two-step midpoint start: euler (y₋₁ = y₀ − h f(y₀), order 2) or repeat (y₋₁ = y₀, the paper's).")
    var midpointStart: MidpointStart = .eulerStep

    @Option(help: "Leapfrog start: taylor (y₋₁ = y₀ − h v₀ + h²/2 F(y₀), order 2) or repeat (y₋₁ = y₀, the paper's).")
    var leapfrogStart: LeapfrogStart = .taylor

    @Option(help: "Störmer–Verlet scheme: symmetric (order 2) or staggered (the paper's Hamiltonian block).")
    var verletScheme: VerletScheme = .symmetric

    var methodOptions: MethodOptions {
        var o = MethodOptions()
        o.midpointStart = midpointStart
        o.leapfrogStart = leapfrogStart
        o.verletScheme = verletScheme
        return o
    }

    /// The named system in precision T, and its initial point (validated against the dimension).
    func resolve<T: BLASScalar>(_: T.Type) throws -> (system: BuiltinSystem<T>, initial: [T]) {
        guard let name = self.system else { throw CLIError("--system is required; choose one of \(BuiltinSystem<T>.names.joined(separator: ", "))") }
        let system: BuiltinSystem<T>
        do { system = try BuiltinSystem<T>.named(name) } catch let e as SystemError { throw CLIError(e.description) }
        guard let initial else { return (system, system.initialPoint) }
        return (system, try parsePoint(initial, flag: "--initial", for: system))
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

/// Checks that a step size flag is usable.
func validateStepSize(_ dt: Double, flag: String = "--dt") throws {
    guard dt.isFinite, dt > 0 else { throw CLIError("\(flag) must be a positive finite number, got \(dt)") }
}

/// The flags that set up random blocks: `eig --block` and `reverse --arch`.
struct BlockOptions: ParsableArguments {
    @Option(help: "Channels of the feature map (even for hamiltonian, midpoint, revnet).")
    var channels: Int = 4

    @Option(help: "Spatial size HxW of the feature map.")
    var size: String = "8x8"

    @Option(name: .customLong("h"), parsing: .unconditional, help: "Step size h of the block (default 0.1; 1 for resnet and revnet).")
    var stepSize: Double?

    @Option(help: "Seed of the random input and weights.")
    var seed: UInt64 = 1

    @Option(help: "Activation σ: tanh (σ' > 0, so the Jacobians are non-singular) or relu.")
    var activation: Activation = .tanh

    func dimensions() throws -> (height: Int, width: Int) {
        let parts = size.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 2, let h = parts[0], let w = parts[1], h > 0, w > 0 else {
            throw ValidationError("--size must be HxW with positive integers, e.g. 8x8; got '\(size)'")
        }
        return (h, w)
    }

    func validate() throws {
        guard channels > 0 else { throw ValidationError("--channels must be positive, got \(channels)") }
        _ = try dimensions()
        if let h = stepSize { try validateStepSize(h, flag: "--h") }
    }

    /// The setup, checking that the block can split the channels.
    func setup<T: BLASScalar>(_: T.Type, block: String) throws -> BlockSetup<T> {
        guard Architecture.blocks.contains(block) else {
            throw CLIError("unknown block '\(block)'; choose one of \(Architecture.blocks.joined(separator: ", "))")
        }
        if Architecture.splitsChannels(block), channels % 2 != 0 {
            throw CLIError("\(block) splits channels into halves: --channels must be even, got \(channels)")
        }
        let (h, w) = try dimensions()
        return BlockSetup(channels: channels, height: h, width: w, stepSize: stepSize, activation: activation, seed: seed)
    }
}

extension Activation: ExpressibleByArgument {}
