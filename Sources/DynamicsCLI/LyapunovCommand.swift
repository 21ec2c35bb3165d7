import ArgumentParser
import Dynamics
import Foundation

/// `dynamics lyapunov`: Lyapunov exponents of a built-in system or a system file under a method.
struct LyapunovCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyapunov",
        abstract: "Lyapunov exponents: the full spectrum (tangent vectors + QR) or the largest (two trajectories).",
        discussion: """
            Exponents are per unit time for flows (per iterate for maps) of the discrete system the \
            method defines. The default method is rk4 for flows and map for the Hénon map. \
            With --arch, the same computation runs on --depth random blocks (unit j is the field \
            on [jh, (j+1)h]): exponents per unit time h, the largest one being the finite-depth \
            growth rate of a perturbation through the network.
            """)

    @OptionGroup var options: SystemOptions

    @Option(help: "Instead of a system: --depth random blocks of this kind (\(Block.allCases.map(\.rawValue).joined(separator: ", "))).")
    var arch: Block?

    @Option(help: "With --arch: the number of blocks, the steps measured (default 100).")
    var depth: Int?

    @Flag(help: "With --arch: the same weights in every block (an autonomous ODE) instead of independent ones.")
    var sharedWeights = false

    @Option(help: "Instead of a system: a trained network's checkpoint folder: finite-depth exponents of each segment (units at one width) at real images, and its float reconstruction error.")
    var checkpoint: String?

    @Option(help: "With --checkpoint: linearise at this many test images (default 2).")
    var images: Int?

    @Option(help: "With --checkpoint: the data set whose test images are used (default: the checkpoint's).")
    var data: String?

    @Option(help: "With --checkpoint: singular values of each segment's propagator by dense ?gesdd (auto's choice up to \(Eigensolver.denseLimit) coordinates) or matrix-free, arnoldi (ARPACK on DᵀD; auto's above).")
    var eigensolver: Eigensolver?

    @Option(help: "How many leading exponents: with --checkpoint per segment (default 4); with --system (default all; a system file's large family needs fewer).")
    var exponents: Int?

    @OptionGroup var blockOptions: BlockOptions

    @OptionGroup var stepSize: StepSizeOption

    @Option(help: "With --system: number of measured steps (default 100000).")
    var steps: Int?

    @Option(help: "With --system: steps run first and discarded, to reach the attractor (default 1000).")
    var transient: Int?

    @Option(help: "Re-orthonormalise (or renormalise the neighbour) every k steps (default 1).")
    var renormalizeEvery: Int?

    @Flag(help: "Only the largest exponent, from two nearby trajectories.")
    var largestOnly = false

    @Flag(help: "Include the running estimates (about 200 points).")
    var history = false

    @Option(help: "With --history: write the running estimates to this .npy or .csv file, columns t, λ1, λ2, … (a .csv names them).")
    var out: String?

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var system: String
        var method: String
        var dt: Double
        var steps: Int
        var transient: Int
        var exponents: [Double]
        /// Absent with --largest-only (one exponent gives neither).
        var sum: Double?
        var kaplanYorkeDimension: Double?
        var seconds: Double
        var history: [[Double]]?
    }

    func validate() throws {
        if let steps, !(1...maximumSteps).contains(steps) { throw ValidationError("--steps must be from 1 to \(maximumSteps), got \(steps)") }
        if let transient, !(0...maximumSteps).contains(transient) { throw ValidationError("--transient must be from 0 to \(maximumSteps), got \(transient)") }
        if let k = renormalizeEvery, !(1...maximumSteps).contains(k) {
            throw ValidationError("--renormalize-every must be from 1 to \(maximumSteps), got \(k)")
        }
        if let depth, !(1...maximumSteps).contains(depth) { throw ValidationError("--depth must be from 1 to \(maximumSteps), got \(depth)") }
        guard [options.system != nil, arch != nil, checkpoint != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of --system, --arch or --checkpoint")
        }
        if checkpoint != nil {
            try reject(options.systemOnlyFlags + blockOptions.blockOnlyFlags
                       + [("--steps", steps != nil), ("--transient", transient != nil), ("--depth", depth != nil), ("--dt", stepSize.isGiven),
                          ("--shared-weights", sharedWeights), ("--largest-only", largestOnly), ("--history", history), ("--out", out != nil),
                          ("--renormalize-every", renormalizeEvery != nil), ("--precision", options.precision != nil)],
                       "does not apply to --checkpoint (the trained network fixes its units, widths and h; its exponents are "
                           + "computed in double from exact singular values, its reconstruction in float)")
            try CheckpointAnalysis.checkImages(images)
            if let exponents, !(1...10_000).contains(exponents) { throw ValidationError("--exponents must be from 1 to 10000, got \(exponents)") }
        } else {
            try reject([("--images", images != nil), ("--data", data != nil), ("--eigensolver", eigensolver != nil)],
                       "applies to --checkpoint only")
            try reject([("--exponents", exponents != nil && (arch != nil || largestOnly))], "applies to --checkpoint and to a system's full spectrum")
            if let exponents, exponents < 1 { throw ValidationError("--exponents must be at least 1, got \(exponents)") }
        }
        if arch != nil {
            try reject(options.systemOnlyFlags + [("--steps", steps != nil), ("--transient", transient != nil)],
                       "does not apply to --arch (blocks run --depth steps from a random feature map)")
        } else if options.system != nil {
            try reject(blockOptions.blockOnlyFlags + [("--depth", depth != nil), ("--shared-weights", sharedWeights)], "applies to --arch only")
        }
    }

    func run() throws {
        if let checkpoint { return try analyseCheckpoint(checkpoint) }
        if let out {
            guard history else { throw CLIError("--out writes the running estimates: give --history too") }
            try MatrixFile.checkWritable(out)
        }
        let r = options.arithmetic == .double ? try measure(Double.self) : try measure(Float.self)
        if let out, let rows = r.history, let width = rows.first?.count {
            try MatrixRowWriter<Double>.write(rows, columns: width, header: ["t"] + (1..<width).map { "lambda\($0)" }, to: out)
        }
        if output.json { return try Output.printJSON(r) }
        print("\(r.system) with \(r.method)\(r.method == "map" ? "" : ", h = \(r.dt)"), \(r.steps) steps after \(r.transient)")
        if r.exponents.count == 1 {
            print("λ1 = \(Output.sci(r.exponents[0]))  (largest only)")
            return print(String(format: "time %.2f s", r.seconds))
        }
        for (i, e) in r.exponents.enumerated() { print("λ\(i + 1) = \(Output.sci(e))") }
        print("sum = \(Output.sci(r.sum ?? .nan))   Kaplan–Yorke dimension = \(String(format: "%.4f", r.kaplanYorkeDimension ?? .nan))")
        print(String(format: "time %.2f s", r.seconds))
    }

    func measure<T: BLASScalar>(_: T.Type) throws -> Report {
        if let arch { return try measureBlocks(arch, T.self) }
        let dt = stepSize.value ?? 0.01, steps = self.steps ?? 100_000, transient = self.transient ?? 1000
        let (system, x0) = try options.resolve(T.self)
        let method = options.method ?? (system.isMap ? .map : .rk4)
        let timePerStep = system.isMap ? 1 : dt
        let result: LyapunovResult<T>
        do {
            let settings = LyapunovSettings(initialPoint: x0, stepSize: T(dt), steps: steps, transient: transient,
                                            renormalizeEvery: renormalizeEvery ?? 1, timePerStep: timePerStep)
            result = try mappingLibraryErrors {
                largestOnly ? try largest(system, method, settings) : try spectrum(system, method, settings)
            }
        } catch let e as LinearAlgebraError {
            throw CLIError("\(system.name) with \(method.rawValue): \(e)")
        }
        return Report(system: system.name, method: method.rawValue, dt: timePerStep, steps: steps, transient: transient,
                      exponents: result.exponents, sum: largestOnly ? nil : result.sum,
                      kaplanYorkeDimension: largestOnly ? nil : result.kaplanYorkeDimension,
                      seconds: result.seconds, history: history ? result.history.map { [$0.time] + $0.exponents } : nil)
    }

    /// The same experiments on random blocks (`BlockExperiment`): --depth steps, no transient.
    func measureBlocks<T: BLASScalar>(_ arch: Block, _: T.Type) throws -> Report {
        let depth = self.depth ?? 100
        let units = sharedWeights ? 1 : depth
        let setup = try blockOptions.setup(T.self, block: arch, stepSize: stepSize.value, units: units, denseMatrices: !largestOnly)
        let h = setup.stepSize ?? arch.defaultStepSize
        let result: LyapunovResult<T>
        do {
            result = try mappingLibraryErrors {
                if largestOnly {
                    try arch.run(BlockExperiment(setup, units: units) { x0, h in
                        LargestLyapunovExponent(LyapunovSettings(initialPoint: x0, stepSize: h, steps: depth, renormalizeEvery: renormalizeEvery ?? 1))
                    })
                } else {
                    try arch.run(BlockExperiment(setup, units: units) { x0, h in
                        LyapunovSpectrum(LyapunovSettings(initialPoint: x0, stepSize: h, steps: depth, renormalizeEvery: renormalizeEvery ?? 1))
                    })
                }
            }
        } catch let e as LinearAlgebraError {
            throw CLIError("\(arch.rawValue) blocks: \(e)")
        }
        return Report(system: "\(arch.rawValue) blocks (\(sharedWeights ? "shared" : "independent") random weights"
                          + (setup.normalization == .batch ? ", batch norm with running statistics)" : ")"),
                      method: arch.methodName, dt: h, steps: depth, transient: 0, exponents: result.exponents,
                      sum: largestOnly ? nil : result.sum, kaplanYorkeDimension: largestOnly ? nil : result.kaplanYorkeDimension,
                      seconds: result.seconds, history: history ? result.history.map { [$0.time] + $0.exponents } : nil)
    }

    // One `system.run` per function: the optimiser then specialises the whole loop for the
    // concrete system and method (measured: 100× faster than when both share one function).
    func largest<T: BLASScalar>(_ system: BuiltinSystem<T>, _ method: MethodName, _ settings: LyapunovSettings<T>) throws -> LyapunovResult<T> {
        try system.run(method, options: options.methodOptions, LargestLyapunovExponent(settings))
    }

    func spectrum<T: BLASScalar>(_ system: BuiltinSystem<T>, _ method: MethodName, _ settings: LyapunovSettings<T>) throws -> LyapunovResult<T> {
        try system.lyapunovSpectrum(method, options: options.methodOptions, settings, count: exponents)
    }
}

extension LyapunovCommand {
    struct CheckpointReport: Codable {
        var block: Block
        var activation: Activation
        var data: String
        var images: Int
        var segments: [SegmentGrowth]
        /// The whole network's largest singular values (growth factors), per image; nil with
        /// the reason in `networkNote` when its first feature map is too large.
        var network: [[Double]]?
        var networkGrowth: MedianAndWorst?
        var networkNote: String?
    }

    /// `--checkpoint DIR`: each segment's finite-depth exponents at real feature maps (double),
    /// and its float reconstruction error by the exact inverse steps.
    func analyseCheckpoint(_ folder: String) throws {
        let (saved, spec, test) = try CheckpointAnalysis.load(folder, data: data)
        let architecture = saved.header.configuration.architecture
        let count = images ?? 2
        let double = try TrainedSpectra.images(test, count: count, checkpoint: saved, as: Double.self)
        let float = try TrainedSpectra.images(test, count: count, checkpoint: saved, as: Float.self)
        var segments = try mappingLibraryErrors {
            try architecture.run(TrainedLyapunov(checkpoint: saved, images: double, count: exponents ?? 4, solver: eigensolver ?? .auto))
        }
        let errors = try mappingLibraryErrors { try architecture.run(TrainedReconstruction(checkpoint: saved, images: float)) }
        for (k, e) in errors.enumerated() where k < segments.count { segments[k].reconstructionError = e }
        var report = CheckpointReport(block: architecture.block, activation: architecture.activation, data: spec.description, images: count,
                                      segments: segments)
        do {
            let network = try architecture.run(TrainedNetworkGrowth(checkpoint: saved, images: double, count: exponents ?? 4,
                                                                    solver: eigensolver ?? .auto))
            report.network = network
            report.networkGrowth = MedianAndWorst(network.compactMap(\.first), worstIsLargest: true)
        } catch let error as ArchitectureError {
            report.networkNote = error.description
        }
        if output.json { return try Output.printJSON(report) }
        print("\(folder): \(architecture.block.rawValue) network, σ = \(architecture.activation.rawValue), \(count) test image\(count == 1 ? "" : "s") of \(spec)")
        print(" units   stage  feature map  λ1 (median, worst) per unit time   growth e^(λ1·h·n)   float reconstruction")
        for s in segments {
            let n = Double(s.units[1] - s.units[0] + 1)
            let leading = s.exponents.first ?? .nan
            print(Output.pad("\(s.units[0])–\(s.units[1])", 7) + Output.pad("\(s.stage + 1)", 6) + "  " + Output.pad("\(s.channels)×\(s.height)×\(s.width)", 11)
                  + "  " + Output.sci(leading, digits: 3) + " " + Output.sci(s.worstLeading, digits: 3)
                  + "            " + Output.sci(Double.exp(leading * s.stepSize * n), digits: 3)
                  + "          " + (s.reconstructionError.map { Output.sci($0, digits: 2) } ?? "no exact inverse"))
        }
        if let g = report.networkGrowth {
            print("whole network, transitions included: largest growth σ1 \(Output.sci(g.median, digits: 3)) (median), \(Output.sci(g.worst, digits: 3)) (worst)")
        } else if let note = report.networkNote {
            print("whole network: not computed (\(note))")
        }
    }
}
