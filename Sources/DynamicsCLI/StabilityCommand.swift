import ArgumentParser
import Dynamics

/// `dynamics stability`: the spectrum of a system's Jacobian at a point, and of one step.
struct StabilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stability",
        abstract: "Eigenvalues of a system's Jacobian at a point, and with --method of one step's Jacobian.",
        discussion: """
            field: the Jacobian of the right-hand side in closed form (continuous-time verdict for \
            flows, discrete for maps). step: the Jacobian of one step of the method (central \
            differences of the step map, on the method's full state: the pair (y₋₁, y₀) for \
            two-step methods), read in discrete time.
            """)

    @OptionGroup var options: SystemOptions

    @Option(parsing: .unconditional, help: "The point x1,x2,… (default: the system's initial point).")
    var at: String?

    @OptionGroup var stepSize: StepSizeOption

    /// The step size of the step's Jacobian.
    var dt: Double { stepSize.value ?? 0.01 }

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var system: String
        var point: [Double]
        var method: String?
        var dt: Double?
        var field: SpectrumReport
        var step: SpectrumReport?
    }

    @Option(help: "Write the eigenvalues to this .npy or .csv file, columns part (0: the field's, 1: the step's), re, im (a .csv names them).")
    var out: String?

    @Option(help: "Write the field's Jacobian at the point to this .npy or .csv file: closed form for the built-in systems, exact by automatic differentiation for a system file.")
    var jacobian: String?

    func validate() throws {
        if options.method == nil { try reject([("--dt", stepSize.isGiven)], "applies to a step's Jacobian: give --method too") }
    }

    func run() throws {
        for path in [out, jacobian].compactMap({ $0 }) { try MatrixFile.checkWritable(path) }
        let report = options.arithmetic == .double ? try analyse(Double.self) : try analyse(Float.self)
        if let out {
            let rows = report.field.eigenvalues.map { [0] + $0 } + (report.step?.eigenvalues ?? []).map { [1] + $0 }
            try MatrixRowWriter<Double>.write(rows, columns: 3, header: ["part", "re", "im"], to: out)
        }
        if output.json { return try Output.printJSON(report) }
        print(SpectrumTable.render(report.field, title: "\(report.system): Jacobian of the field at \(report.point)"))
        if let step = report.step, let method = report.method {
            print("")
            print(SpectrumTable.render(step, title: "\(report.system): Jacobian of one \(method) step, h = \(dt)"))
        }
    }

    func analyse<T: BLASScalar>(_: T.Type) throws -> Report {
        let (system, initial) = try options.resolve(T.self)
        let point = try at.map { try options.parsePoint($0, flag: "--at", for: system) } ?? initial
        // Dense eigenvalues of the n×n Jacobian (2n×2n for a two-step method's step): a system
        // file's family can be large, so the size is checked before anything is allocated.
        guard system.dimension <= 4096 else {
            throw CLIError("stability computes all eigenvalues of the dense \(system.dimension)×\(system.dimension) Jacobian; at most 4096 coordinates (for larger systems use lyapunov with --exponents K)")
        }
        let matrix = system.jacobian(at: point)
        if let jacobian { try MatrixFile.write(matrix, to: jacobian) }
        let field = try Spectrum(of: matrix, tolerance: Spectrum<T>.defaultTolerance)
        var step: SpectrumReport? = nil
        if let method = options.method {
            let jacobian = try mappingLibraryErrors {
                try system.stepJacobian(method, options: options.methodOptions, at: point, stepSize: T(dt))
            }
            step = SpectrumReport(try Spectrum(of: jacobian), time: .discrete)
        }
        return Report(system: system.name, point: point.map(Double.init), method: options.method?.rawValue,
                      dt: options.method == nil ? nil : dt, field: SpectrumReport(field, time: system.timeKind), step: step)
    }
}
