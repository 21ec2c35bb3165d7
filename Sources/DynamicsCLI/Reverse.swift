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

    @Option(help: "Instead of a system: N network blocks of this kind with independent random weights (\(Block.allCases.map(\.rawValue).joined(separator: ", "))).")
    var arch: Block?

    @Option(help: "With --arch: the number of blocks N (default 100).")
    var depth: Int?

    @OptionGroup var blockOptions: BlockOptions

    @OptionGroup var stepSize: StepSizeOption

    @Option(help: "With --system: the number of steps N forward (and back; default 1000).")
    var steps: Int?

    @OptionGroup var output: OutputOptions

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
        if let steps, !(1...maximumSteps).contains(steps) { throw ValidationError("--steps must be from 1 to \(maximumSteps), got \(steps)") }
        if let depth, !(1...maximumSteps).contains(depth) { throw ValidationError("--depth must be from 1 to \(maximumSteps), got \(depth)") }
        guard (options.system == nil) != (arch == nil) else { throw ValidationError("give either --system or --arch") }
        if arch != nil {
            try reject(options.systemOnlyFlags + [("--steps", steps != nil)], "does not apply to --arch (blocks run --depth steps)")
        } else {
            try reject(blockOnlyFlags, "applies to --arch only")
        }
    }

    var blockOnlyFlags: [(name: String, given: Bool)] { blockOptions.blockOnlyFlags + [("--depth", depth != nil)] }

    /// The step size of a system run.
    var dt: Double { stepSize.value ?? 0.01 }

    func run() throws {
        let double = options.arithmetic == .double
        let report = try arch.map { double ? try reverseBlocks($0, Double.self) : try reverseBlocks($0, Float.self) }
            ?? (double ? try reverse(Double.self) : try reverse(Float.self))
        if output.json { return try Output.printJSON(report) }
        print("\(report.system) with \(report.method), h = \(report.dt), \(report.precision); "
              + (report.exactInverse ? "exact inverse step" : "no exact inverse: stepping with −h"))
        print("       n   reconstruction error")
        for e in report.errors { print(Output.pad("\(Int(e[0]))", 8) + "   " + Output.sci(e[1], digits: 3)) }
    }

    func report<T>(_ r: ReversibilityResult<T>, system: String, method: String, dt: Double, steps: Int) -> Report {
        Report(system: system, method: method, precision: options.arithmetic.rawValue, dt: dt, steps: steps,
               exactInverse: r.exactInverse, reconstructionError: Double(r.reconstructionError),
               errors: r.errors.map { [Double($0.steps), Double($0.error)] })
    }

    func reverse<T: BLASScalar>(_: T.Type) throws -> Report {
        let (system, x0) = try options.resolve(T.self)
        let method = try options.requireMethod(for: system)
        let steps = self.steps ?? 1000
        let r = try mappingLibraryErrors {
            try system.run(method, options: options.methodOptions, Reversibility(initialPoint: x0, stepSize: T(dt), steps: steps))
        }
        return report(r, system: system.name, method: method.rawValue, dt: dt, steps: steps)
    }

    /// The same `Reversibility` experiment on N random blocks (`BlockExperiment`).
    func reverseBlocks<T: BLASScalar>(_ arch: Block, _: T.Type) throws -> Report {
        let depth = self.depth ?? 100
        // Batch norms use the feature map's own statistics, recomputed from the rebuilt state on
        // the way back, as in reversible training.
        let setup = try blockOptions.setup(T.self, block: arch, stepSize: stepSize.value, units: depth, denseMatrices: false,
                                           statistics: .batch)
        let r = try mappingLibraryErrors {
            try arch.run(BlockExperiment(setup, units: depth) { x0, h in Reversibility(initialPoint: x0, stepSize: h, steps: depth) })
        }
        return report(r, system: "\(arch.rawValue) blocks with random weights" + (setup.normalization == .batch ? " and batch norm (batch statistics)" : ""), method: arch.methodName,
                      dt: setup.stepSize ?? arch.defaultStepSize, steps: depth)
    }
}
