import ArgumentParser
import Dynamics
import Foundation

/// `dynamics lyapunov`: Lyapunov exponents of a built-in system under a method.
struct LyapunovCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyapunov",
        abstract: "Lyapunov exponents: the full spectrum (tangent vectors + QR) or the largest (two trajectories).",
        discussion: """
            Exponents are per unit time for flows (per iterate for maps) of the discrete system the \
            method defines. The default method is rk4 for flows and map for the Hénon map.
            """)

    @OptionGroup var options: SystemOptions

    @Option(help: "Instead of a system: the growth of a perturbation through --depth random blocks of this kind.")
    var arch: String?

    @Option(help: "With --arch: the number of blocks.")
    var depth: Int = 100

    @Flag(help: "With --arch: the same weights in every block (an autonomous ODE) instead of independent ones.")
    var sharedWeights = false

    @OptionGroup var blockOptions: BlockOptions

    @Option(parsing: .unconditional, help: "Step size h (ignored for maps).")
    var dt: Double = 0.01

    @Option(help: "Number of measured steps.")
    var steps: Int = 100_000

    @Option(help: "Steps run first and discarded, to reach the attractor.")
    var transient: Int = 1000

    @Option(help: "Re-orthonormalise (or renormalise the neighbour) every k steps.")
    var renormalizeEvery: Int = 1

    @Flag(help: "Only the largest exponent, from two nearby trajectories.")
    var largestOnly = false

    @Flag(help: "Include the running estimates (about 200 points).")
    var history = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Report: Codable {
        var system: String
        var method: String
        var dt: Double
        var steps: Int
        var transient: Int
        var exponents: [Double]
        var sum: Double
        var kaplanYorkeDimension: Double
        var seconds: Double
        var history: [[Double]]?
    }

    func validate() throws {
        try validateStepSize(dt)
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
        guard transient >= 0 else { throw ValidationError("--transient must be ≥ 0, got \(transient)") }
        guard renormalizeEvery > 0 else { throw ValidationError("--renormalize-every must be positive, got \(renormalizeEvery)") }
        guard depth > 0 else { throw ValidationError("--depth must be positive, got \(depth)") }
        guard (options.system == nil) != (arch == nil) else { throw ValidationError("give either --system or --arch") }
    }

    struct GrowthReport: Codable {
        var arch: String
        var depth: Int
        var growth: [[Double]]
        var finiteTimeExponent: Double
    }

    /// ‖δx_n‖/‖δx_0‖ through random blocks, and (1/N) ln of the last ratio.
    func growth(_ arch: String) throws {
        let setup = try blockOptions.setup(Double.self, block: arch)
        let g = try Architecture(block: arch, units: [1, 1, 1], filters: [2, 2, 2, 2]).run(PerturbationGrowth(setup, depth: depth, sharedWeights: sharedWeights))
        let report = GrowthReport(arch: arch, depth: depth, growth: g.map { [Double($0.blocks), $0.growth] },
                                  finiteTimeExponent: Double.log(g.last!.growth) / Double(depth))
        if json { return try Output.printJSON(report) }
        print("\(arch): perturbation growth through \(depth) blocks with \(sharedWeights ? "shared" : "independent") random weights")
        for (n, r) in g where n == depth || n.isMultiple(of: max(1, depth / 10)) { print(Output.pad("\(n)", 8) + "   " + Output.sci(r, digits: 3)) }
        print("finite-depth exponent (1/N) ln growth = \(Output.sci(report.finiteTimeExponent, digits: 3)) per block")
    }

    func run() throws {
        if let arch { return try growth(arch) }
        let r = options.precision == .double ? try measure(Double.self) : try measure(Float.self)
        if json { return try Output.printJSON(r) }
        print("\(r.system) with \(r.method)\(r.method == "map" ? "" : ", h = \(r.dt)"), \(r.steps) steps after \(r.transient)")
        for (i, e) in r.exponents.enumerated() { print("λ\(i + 1) = \(Output.sci(e))") }
        print("sum = \(Output.sci(r.sum))   Kaplan–Yorke dimension = \(String(format: "%.4f", r.kaplanYorkeDimension))")
        print(String(format: "time %.2f s", r.seconds))
    }

    func measure<T: BLASScalar>(_: T.Type) throws -> Report {
        let (system, x0) = try options.resolve(T.self)
        let method = options.method ?? (system.isMap ? .map : .rk4)
        let timePerStep = system.isMap ? 1 : dt
        let result: LyapunovResult<T>
        do {
            let settings = LyapunovSettings(initialPoint: x0, stepSize: T(dt), steps: steps, transient: transient,
                                            renormalizeEvery: renormalizeEvery, timePerStep: timePerStep)
            result = try catchingSystemError {
                largestOnly ? try largest(system, method, settings) : try spectrum(system, method, settings)
            }
        } catch let e as LinearAlgebraError {
            throw CLIError("\(system.name) with \(method.rawValue): \(e)")
        }
        return Report(system: system.name, method: method.rawValue, dt: timePerStep, steps: steps, transient: transient,
                      exponents: result.exponents, sum: result.sum, kaplanYorkeDimension: result.kaplanYorkeDimension,
                      seconds: result.seconds, history: history ? result.history.map { [$0.time] + $0.exponents } : nil)
    }

    // One `system.run` per function: the optimiser then specialises the whole loop for the
    // concrete system and method (measured: 100× faster than when both share one function).
    func largest<T: BLASScalar>(_ system: BuiltinSystem<T>, _ method: MethodName, _ settings: LyapunovSettings<T>) throws -> LyapunovResult<T> {
        try system.run(method, options: options.methodOptions, LargestLyapunovExponent(settings))
    }

    func spectrum<T: BLASScalar>(_ system: BuiltinSystem<T>, _ method: MethodName, _ settings: LyapunovSettings<T>) throws -> LyapunovResult<T> {
        try system.run(method, options: options.methodOptions, LyapunovSpectrum(settings))
    }
}
