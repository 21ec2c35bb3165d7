import ArgumentParser
import Dynamics

/// `dynamics reverse`: N steps forward, N back; how well is the start recovered?
struct Reverse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run N steps forward and N back and report the reconstruction error.",
        discussion: """
            Reversible methods (midpoint, verlet, leapfrog) go back with their exact inverse step; \
            the others step with −h and report exactInverse: false. errors lists [n, error] for \
            n = 1, 10, 100, … ≤ N and N, error = ‖x̂₀ − x₀‖/‖x₀‖ on the method's full state.
            """)

    @OptionGroup var options: SystemOptions

    @Option(help: "Instead of a system: a network block (hamiltonian, midpoint, leapfrog, revnet, resnet) with random weights.")
    var arch: String?

    @Option(help: "With --arch: the number of blocks N.")
    var depth: Int = 100

    @OptionGroup var blockOptions: BlockOptions

    @Option(parsing: .unconditional, help: "Step size h.")
    var dt: Double = 0.01

    @Option(help: "Number of steps N forward (and back).")
    var steps: Int = 1000

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Report: Codable {
        var system: String
        var method: String
        var precision: String
        var dt: Double
        var steps: Int
        var exactInverse: Bool
        var reconstructionError: Double
        var errors: [[Double]]
    }

    func validate() throws {
        try validateStepSize(dt)
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
        guard depth > 0 else { throw ValidationError("--depth must be positive, got \(depth)") }
        guard (options.system == nil) != (arch == nil) else { throw ValidationError("give either --system or --arch") }
    }

    func run() throws {
        if let arch { return try reverseBlocks(arch) }
        let report = options.precision == .double ? try reverse(Double.self) : try reverse(Float.self)
        if json { return try Output.printJSON(report) }
        print("\(report.system) with \(report.method), h = \(report.dt), \(report.precision); "
              + (report.exactInverse ? "exact inverse step" : "no exact inverse: stepping with −h"))
        print("       n   reconstruction error")
        for e in report.errors { print(Output.pad("\(Int(e[0]))", 8) + "   " + Output.sci(e[1], digits: 3)) }
    }

    func reverse<T: BLASScalar>(_: T.Type) throws -> Report {
        let (system, x0) = try options.resolve(T.self)
        let method = try options.requireMethod(for: system)
        let r = try catchingSystemError {
            try system.run(method, options: options.methodOptions, Reversibility(initialPoint: x0, stepSize: T(dt), steps: steps))
        }
        return Report(system: system.name, method: method.rawValue, precision: options.precision.rawValue, dt: dt,
                      steps: steps, exactInverse: r.exactInverse, reconstructionError: Double(r.reconstructionError),
                      errors: r.errors.map { [Double($0.steps), Double($0.error)] })
    }

    struct BlockReport: Codable {
        var arch: String
        var depth: Int
        var precision: String
        var exactInverse: Bool
        var reconstructionError: Double
        var errors: [[Double]]
    }

    func reverseBlocks(_ arch: String) throws {
        let errors = options.precision == .double ? try blockErrors(arch, Double.self) : try blockErrors(arch, Float.self)
        let report = BlockReport(arch: arch, depth: depth, precision: options.precision.rawValue, exactInverse: true,
                                 reconstructionError: errors.last!.error, errors: errors.map { [Double($0.blocks), $0.error] })
        if json { return try Output.printJSON(report) }
        print("\(arch) blocks with random weights, \(report.precision); exact inverse step")
        print("       n   reconstruction error")
        for e in report.errors { print(Output.pad("\(Int(e[0]))", 8) + "   " + Output.sci(e[1], digits: 3)) }
    }

    func blockErrors<T: BLASScalar>(_ arch: String, _: T.Type) throws -> [(blocks: Int, error: Double)] {
        let setup = try blockOptions.setup(T.self, block: arch)
        do {
            return try Architecture(block: arch, units: [1, 1, 1], filters: [2, 2, 2, 2]).run(BlockReversibility(setup, depth: depth))
        } catch let e as ArchitectureError {
            throw CLIError(e.description)
        }
    }
}
