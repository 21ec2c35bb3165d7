import ArgumentParser
import Dynamics
import Foundation

/// `dynamics eig FILE | --block NAME | --checkpoint DIR`: spectra and stability verdicts.
struct Eig: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Eigenvalues of a matrix, a random block, or every unit of a trained network, with stability verdicts.",
        discussion: """
            FILE (.npy or .csv) is read as float64 and its eigenvalues computed by LAPACK dgeev; \
            in continuous time (default) the verdict compares the spectral abscissa max Re λ \
            with ±T·max(1, ρ), with --discrete the spectral radius ρ with 1 ± T. \
            --block NAME linearises a random block's field and one step at a random input. \
            --checkpoint DIR linearises each unit of a trained network at the feature maps its \
            first --images test images produce there (batch norm with its running statistics), \
            and places hλ against the stability region of the unit's method. \
            --top K computes the K eigenvalues of largest real part and of largest modulus \
            (--which picks one end): densely up to \(Eigensolver.denseLimit) dimensions, above \
            by ARPACK's Arnoldi method on Jacobian–vector products (--eigensolver forces one).
            """)

    @Argument(help: "A square matrix: .npy (float32/float64, C or Fortran order) or .csv.")
    var file: String?

    @Option(help: "Instead of a file: a network block (\(Block.allCases.map(\.rawValue).joined(separator: ", "))) at a random input.")
    var block: Block?

    @Option(help: "Instead of a file: a trained network's checkpoint folder; every unit is analysed at real feature maps.")
    var checkpoint: String?

    @OptionGroup var blockOptions: BlockOptions

    @OptionGroup var stepSize: StepSizeOption

    @OptionGroup var spectrumOptions: LeadingEigenvalueOptions

    @Option(help: "With --checkpoint: the units to analyse, separated by commas (default: all).", transform: Arguments.integers)
    var units: [Int]?

    @Option(help: "With --checkpoint: linearise at this many test images (default 4).")
    var images: Int?

    @Option(help: "With --checkpoint: the data set whose test images are used (default: the checkpoint's).")
    var data: String?

    @Flag(help: "Read the matrix as a map x ↦ A x (verdict by spectral radius) instead of a flow x' = A x.")
    var discrete = false

    @Option(parsing: .unconditional, help: "Relative tolerance for 'on the boundary' (default √ε = 1.5e-8).")
    var tolerance: Double = Spectrum<Double>.defaultTolerance

    @Option(help: "Write the eigenvalues to this .npy or .csv file (a .csv names the columns): re, im for a matrix FILE; end (0: largest real part, 1: largest modulus), re, im with --top; part (0: field, 1: step), end, re, im with --block.")
    var out: String?

    @Option(help: "With --block: write the field's dense Jacobian (n×n, central differences) to this .npy or .csv file.")
    var jacobian: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard tolerance.isFinite, tolerance >= 0 else {
            throw ValidationError("--tolerance must be a finite number ≥ 0, got \(tolerance)")
        }
        guard [file != nil, block != nil, checkpoint != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of a matrix FILE, --block NAME or --checkpoint DIR")
        }
        try spectrumOptions.validate()
        if block == nil {
            try reject(blockOptions.blockOnlyFlags + [("--dt", stepSize.isGiven), ("--jacobian", jacobian != nil)], "applies to --block only")
        } else {
            try reject([("--discrete", discrete)], "applies to a matrix FILE only (a block's step is read in discrete time already)")
        }
        if checkpoint == nil {
            try reject([("--units", units != nil), ("--images", images != nil), ("--data", data != nil)], "applies to --checkpoint only")
        } else {
            try reject([("--discrete", discrete)], "applies to a matrix FILE only")
            try reject([("--out", out != nil)], "does not apply to --checkpoint (its spectra per unit and image are in --json)")
            try CheckpointAnalysis.checkImages(images)
        }
    }

    func run() throws {
        for path in [out, jacobian].compactMap({ $0 }) { try MatrixFile.checkWritable(path) }
        if let block { return try analyseBlock(block) }
        if let checkpoint { return try analyseCheckpoint(checkpoint) }
        guard let file else { return }
        let matrix: Matrix<Double> = try MatrixFile.read(file)
        if spectrumOptions.top != nil { return try leadingEigenvalues(of: matrix, file: file) }
        let spectrum: Spectrum<Double>
        do {
            spectrum = try Spectrum(of: matrix, tolerance: tolerance)
        } catch let error as LinearAlgebraError {
            throw CLIError("\(file): \(error)")
        }
        let report = SpectrumReport(spectrum, time: discrete ? .discrete : .continuous)
        if let out { try MatrixRowWriter<Double>.write(report.eigenvalues, columns: 2, header: ["re", "im"], to: out) }
        if output.json { return try Output.printJSON(report) }
        print(SpectrumTable.render(report, title: "\(file): \(matrix.rows)×\(matrix.columns)"))
    }
}

/// `--top`, `--which` and `--eigensolver`: which eigenvalues, and how.
struct LeadingEigenvalueOptions: ParsableArguments {
    @Option(help: "Compute only the K leading eigenvalues at each end (largest real part, largest modulus; default 10 for --block and --checkpoint, all for a FILE).")
    var top: Int?

    @Option(help: "With --top: one end only, LR (largest real part: the abscissa, for flows) or LM (largest modulus: the radius, for maps).")
    var which: EigenvalueSelection?

    @Option(help: "auto (dense up to \(Eigensolver.denseLimit) dimensions, Arnoldi above), dense (dgeev) or arnoldi (ARPACK).")
    var eigensolver: Eigensolver = .auto

    func validate() throws {
        if let top, !(1...10_000).contains(top) { throw ValidationError("--top must be from 1 to 10000, got \(top)") }
    }

    var count: Int { top ?? 10 }
    var ends: [EigenvalueSelection] { which.map { [$0] } ?? EigenvalueSelection.allCases }
}

extension EigenvalueSelection: ExpressibleByArgument {}

extension Eig {
    /// A leading-eigenvalue computation as rows (end, re, im): end 0 for the largest real parts,
    /// 1 for the largest moduli.
    static func rows(_ leading: LeadingEigenvalues) -> [[Double]] {
        (leading.byRealPart ?? []).map { [0] + $0 } + (leading.byModulus ?? []).map { [1] + $0 }
    }
}
extension Eigensolver: ExpressibleByArgument {}

extension Eig {
    /// `FILE --top K`: the leading eigenvalues of a matrix, by dgeev or by Arnoldi on A·x.
    func leadingEigenvalues(of matrix: Matrix<Double>, file: String) throws {
        guard matrix.rows == matrix.columns, matrix.rows > 0 else {
            throw CLIError("\(file): needs a square matrix, got \(matrix.rows)×\(matrix.columns)")
        }
        let n = matrix.rows
        let leading: LeadingEigenvalues
        do {
            leading = try LeadingEigenvalues(dimension: n, count: min(spectrumOptions.count, n), ends: spectrumOptions.ends,
                                             solver: spectrumOptions.eigensolver, matrix: { matrix }) { x, y in
                matrix.elements.withUnsafeBufferPointer { a in
                    Double.gemv(transpose: false, m: Int32(n), n: Int32(n), alpha: 1, a: a.baseAddress!, lda: Int32(n),
                                x: x, incx: 1, beta: 0, y: y, incy: 1)
                }
            }
        } catch let error as LinearAlgebraError {
            throw CLIError("\(file): \(error)")
        }
        let time: TimeKind = discrete ? .discrete : .continuous
        if let out { try MatrixRowWriter<Double>.write(Self.rows(leading), columns: 3, header: ["end", "re", "im"], to: out) }
        if output.json { return try Output.printJSON(LeadingReport(leading, time: time, tolerance: tolerance)) }
        print(LeadingTable.render(leading, title: "\(file): \(n)×\(n)", time: time, tolerance: tolerance))
    }

    struct BlockReport: Codable {
        var block: Block
        var channels: Int
        var size: String
        var stepSize: Double
        var activation: Activation
        var field: LeadingReport
        var step: LeadingReport
    }

    /// The leading eigenvalues of a block's field (continuous time) and of one block step
    /// (discrete time), at a random input.
    func analyseBlock(_ block: Block) throws {
        let size = blockOptions.size ?? ImageSize(height: 8, width: 8)
        let dimension = SafeSize.product([blockOptions.channels ?? 4, size.height, size.width]) ?? .max
        let dense = spectrumOptions.eigensolver.isDense(dimension: dimension, count: spectrumOptions.count)
        let setup = try blockOptions.setup(Double.self, block: block, stepSize: stepSize.value, units: 1, denseMatrices: dense)
        let (field, step, h) = try mappingLibraryErrors {
            try block.run(BlockSpectra(setup, count: spectrumOptions.count, ends: spectrumOptions.ends, solver: spectrumOptions.eigensolver))
        }
        if let out {
            let rows = Self.rows(field).map { [0] + $0 } + Self.rows(step).map { [1] + $0 }
            try MatrixRowWriter<Double>.write(rows, columns: 4, header: ["part", "end", "re", "im"], to: out)
        }
        if let jacobian {
            _ = try blockOptions.setup(Double.self, block: block, stepSize: stepSize.value, units: 1, denseMatrices: true)
            let j = try mappingLibraryErrors { try block.run(BlockFieldJacobian(setup)) }
            try MatrixFile.write(j, to: jacobian)
        }
        let shape = "\(setup.height)x\(setup.width)"
        let report = BlockReport(block: block, channels: setup.channels, size: shape, stepSize: h, activation: setup.activation,
                                 field: LeadingReport(field, time: .continuous, tolerance: tolerance),
                                 step: LeadingReport(step, time: .discrete, tolerance: tolerance))
        if output.json { return try Output.printJSON(report) }
        print(LeadingTable.render(field, title: "\(block.rawValue) block field Jacobian, \(setup.channels) channels, \(shape), σ = \(setup.activation.rawValue)"
                                  + (setup.normalization == .batch ? ", batch norm (running statistics)" : ""), time: .continuous, tolerance: tolerance))
        print("")
        print(LeadingTable.render(step, title: "\(block.rawValue) block step Jacobian, h = \(h)", time: .discrete, tolerance: tolerance))
    }
}

/// Leading eigenvalues with their verdict, as JSON.
struct LeadingReport: Codable {
    var eigenvalues: LeadingEigenvalues
    var spectralAbscissa: Double?
    var spectralRadius: Double?
    var verdict: StabilityVerdict?
    var time: TimeKind

    init(_ e: LeadingEigenvalues, time: TimeKind, tolerance: Double) {
        eigenvalues = e
        spectralAbscissa = e.spectralAbscissa
        spectralRadius = e.spectralRadius
        verdict = e.verdict(time, tolerance: tolerance)
        self.time = time
    }
}

/// The readable form of `LeadingEigenvalues`.
enum LeadingTable {
    static func render(_ e: LeadingEigenvalues, title: String, time: TimeKind, tolerance: Double) -> String {
        var lines = [title + " (\(e.solver.rawValue)" + (e.solver == .arnoldi ? ", \(e.products) products" : "")
                     + String(format: ", %.2f s)", e.seconds)]
        for (name, values) in [("largest real part", e.byRealPart), ("largest modulus", e.byModulus)] {
            guard let values else { continue }
            lines.append("  \(values.count) of \(e.dimension) by \(name):")
            lines.append("     k            Re λ            Im λ             |λ|")
            for (k, v) in values.enumerated() {
                lines.append(Output.pad("\(k + 1)", 6) + "  " + Output.sci(v[0]) + "  " + Output.sci(v[1]) + "  "
                             + Output.sci((v[0] * v[0] + v[1] * v[1]).squareRoot()))
            }
        }
        for end in e.unconverged {
            lines.append(end == .largestRealPart
                ? "  by largest real part: the Arnoldi method did not converge (a spectrum clustered on a vertical line, as a "
                    + "Hamiltonian field's imaginary one, has no rightmost eigenvalues to find; --eigensolver dense takes them all)"
                : "  by largest modulus: the Arnoldi method did not converge (a spectrum clustered on a circle, as a symplectic "
                    + "step's on the unit circle, has no largest eigenvalues to find; --eigensolver dense takes them all)")
        }
        if let a = e.spectralAbscissa { lines.append("spectral abscissa  \(Output.sci(a))") }
        if let r = e.spectralRadius { lines.append("spectral radius    \(Output.sci(r))") }
        if let v = e.verdict(time, tolerance: tolerance) {
            lines.append("verdict            \(v.rawValue) (\(time.rawValue) time, tolerance \(String(format: "%.2g", tolerance)) relative)")
        }
        return lines.joined(separator: "\n")
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

extension Eig {
    /// `--checkpoint DIR`: every unit (or `--units`) of a trained network, linearised at the
    /// feature maps of the first `--images` test images.
    func analyseCheckpoint(_ folder: String) throws {
        let (saved, spec, test) = try CheckpointAnalysis.load(folder, data: data)
        let architecture = saved.header.configuration.architecture
        let images = try TrainedSpectra.images(test, count: images ?? 4, checkpoint: saved)
        let analysis = TrainedSpectra(checkpoint: saved, images: images, units: units, count: spectrumOptions.count,
                                      solver: spectrumOptions.eigensolver, tolerance: tolerance)
        let report = CheckpointReport(block: architecture.block, activation: architecture.activation, normalization: architecture.normalization,
                                      data: spec.description, images: images.batch,
                                      units: try mappingLibraryErrors { try architecture.run(analysis) })
        if output.json { return try Output.printJSON(report) }
        print("\(folder): \(architecture.block.rawValue) network, σ = \(architecture.activation.rawValue), batch norm \(architecture.normalization.rawValue), "
              + "linearised at \(images.batch) test image\(images.batch == 1 ? "" : "s") of \(spec)")
        print(" unit stage  feature map   method   field abscissa (median, worst)   step radius (median, worst)   region margin (worst)")
        for u in report.units {
            var line = Output.pad("\(u.unit)", 5) + Output.pad("\(u.stage + 1)", 6) + "  " + Output.pad("\(u.channels)×\(u.height)×\(u.width)", 11)
                + "  " + Output.pad(u.method, 12)
            guard let a = u.abscissa, let r = u.stepRadius else {
                print(line + "  (not a step of a field)")
                continue
            }
            line += "  " + Output.sci(a.median, digits: 3) + " " + Output.sci(a.worst, digits: 3)
                + "       " + Output.sci(r.median, digits: 3) + " " + Output.sci(r.worst, digits: 3)
            if let m = u.margin, let worst = u.images.compactMap(\.region).min(by: { $0.margin < $1.margin }) {
                line += "     " + Output.sci(m.worst, digits: 3) + " " + worst.placement.rawValue
            }
            print(line)
        }
        if architecture.activation == .relu {
            print("σ = ReLU: σ' = 0 on inactive units makes the Jacobian singular with defective zero eigenvalues, which the "
                  + "differences split to real parts of about 1e-6 relative, even in Hamiltonian blocks; train with --activation tanh "
                  + "for fields whose spectra are imaginary to rounding.")
        }
    }

    struct CheckpointReport: Codable {
        var block: Block
        var activation: Activation
        var normalization: Normalization
        var data: String
        var images: Int
        var units: [UnitSpectra]
    }
}
