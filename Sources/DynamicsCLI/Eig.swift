import ArgumentParser
import Dynamics
import Foundation

/// `dynamics eig FILE`: the spectrum of a square matrix and its stability verdict.
struct Eig: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Eigenvalues of a square matrix (.npy or .csv), with spectral abscissa, radius and a stability verdict.",
        discussion: """
            The matrix is read as float64 (float32 files are widened exactly) and its eigenvalues \
            are computed by LAPACK dgeev. In continuous time (default) the verdict compares the \
            spectral abscissa max Re λ with ±T·max(1, ρ); with --discrete it compares the \
            spectral radius ρ with 1 ± T.
            """)

    @Argument(help: "A square matrix: .npy (float32/float64, C or Fortran order) or .csv.")
    var file: String?

    @Option(help: "Instead of a file: a network block (\(Block.allCases.map(\.rawValue).joined(separator: ", "))) at a random input.")
    var block: Block?

    @OptionGroup var blockOptions: BlockOptions

    @OptionGroup var stepSize: StepSizeOption

    @Flag(help: "Read the matrix as a map x ↦ A x (verdict by spectral radius) instead of a flow x' = A x.")
    var discrete = false

    @Option(parsing: .unconditional, help: "Relative tolerance for 'on the boundary' (default √ε = 1.5e-8).")
    var tolerance: Double = Spectrum<Double>.defaultTolerance

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard tolerance.isFinite, tolerance >= 0 else {
            throw ValidationError("--tolerance must be a finite number ≥ 0, got \(tolerance)")
        }
        guard (file == nil) != (block == nil) else {
            throw ValidationError("give either a matrix FILE or --block NAME, not both or neither")
        }
        if block == nil {
            try reject(blockOptions.blockOnlyFlags + [("--dt", stepSize.isGiven)], "applies to --block only")
        } else {
            try reject([("--discrete", discrete)], "applies to a matrix FILE only (a block's step is read in discrete time already)")
        }
    }

    func run() throws {
        if let block { return try analyseBlock(block) }
        guard let file else { return }
        let matrix: Matrix<Double> = try MatrixFile.read(file)
        let spectrum: Spectrum<Double>
        do {
            spectrum = try Spectrum(of: matrix, tolerance: tolerance)
        } catch let error as LinearAlgebraError {
            throw CLIError("\(file): \(error)")
        }
        let report = SpectrumReport(spectrum, time: discrete ? .discrete : .continuous)
        if output.json { return try Output.printJSON(report) }
        print(SpectrumTable.render(report, title: "\(file): \(matrix.rows)×\(matrix.columns)"))
    }
}

extension Eig {
    struct BlockReport: Codable {
        var block: Block
        var channels: Int
        var size: String
        var stepSize: Double
        var activation: Activation
        var field: SpectrumReport
        var step: SpectrumReport
    }

    /// The spectra of a block's field (continuous time) and of one block step (discrete time:
    /// `StepJacobian`, the experiment `stability --method` runs on systems).
    func analyseBlock(_ block: Block) throws {
        let setup = try blockOptions.setup(Double.self, block: block, stepSize: stepSize.value, units: 1, denseMatrices: true)
        let (field, h) = try block.run(BlockFieldJacobian(setup))
        let step = try block.run(BlockExperiment(setup, units: 1) { x0, h in StepJacobian(at: x0, stepSize: h) })
        let size = "\(setup.height)x\(setup.width)"
        let report = BlockReport(block: block, channels: setup.channels, size: size, stepSize: h,
                                 activation: setup.activation,
                                 field: SpectrumReport(try Spectrum(of: field, tolerance: tolerance), time: .continuous),
                                 step: SpectrumReport(try Spectrum(of: step, tolerance: tolerance), time: .discrete))
        if output.json { return try Output.printJSON(report) }
        print(SpectrumTable.render(report.field, title: "\(block.rawValue) block field Jacobian, \(setup.channels) channels, \(size), σ = \(setup.activation.rawValue)"
                                   + (setup.normalization == .batch ? ", batch norm (running statistics)" : "")))
        print("")
        print(SpectrumTable.render(report.step, title: "\(block.rawValue) block step Jacobian, h = \(h)"))
    }
}

/// The readable form of a `SpectrumReport`.
enum SpectrumTable {
    static func render(_ r: SpectrumReport, title: String) -> String {
        var lines = [title, "     k            Re λ            Im λ             |λ|"]
        for (k, e) in r.eigenvalues.enumerated() {
            let modulus = (e[0] * e[0] + e[1] * e[1]).squareRoot()
            lines.append(Output.pad("\(k + 1)", 6) + "  " + Output.sci(e[0]) + "  " + Output.sci(e[1]) + "  " + Output.sci(modulus))
        }
        lines.append("spectral abscissa  \(Output.sci(r.spectralAbscissa))")
        lines.append("spectral radius    \(Output.sci(r.spectralRadius))")
        lines.append("purely imaginary   \(r.purelyImaginary ? "yes" : "no") (tolerance \(String(format: "%.2g", r.tolerance)) relative)")
        lines.append("verdict            \(r.verdict.rawValue) (\(r.time.rawValue) time)")
        return lines.joined(separator: "\n")
    }
}
