import ArgumentParser
import Dynamics

/// `dynamics region`: |R(z)| of a method on a grid of the complex plane.
struct RegionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "region",
        abstract: "The amplification factor |R(z)|, z = hλ, of a method on a grid: its stability region is |R| ≤ 1.",
        discussion: """
            For two-step methods |R| is the largest root of the characteristic polynomial. Verlet and \
            leapfrog are measured on y'' = λ²y. --out writes one row per grid point, columns re, im, \
            |R| (Re z fastest; a .csv names them in a first line # re,im,modulus), as .npy or .csv: \
            numpy.load(f)[:, 2].reshape(grid, grid) is the grid, rows Im z; --json prints re, im and modulus.
            """)

    @Option(help: "The method.")
    var method: MethodName

    @Option(parsing: .unconditional, help: "Range of Re z as a:b.")
    var re: String = "-3:1"

    @Option(parsing: .unconditional, help: "Range of Im z as c:d.")
    var im: String = "-3:3"

    @Option(help: "Points per axis.")
    var grid: Int = 101

    @Option(help: "Write re, im, |R| per grid point to this .npy or .csv file.")
    var out: String?

    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var method: String
        var re: [Double]
        var im: [Double]
        var modulus: [[Double]]
    }

    static func range(_ text: String, flag: String) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a.isFinite, b.isFinite, a < b else {
            throw ValidationError("\(flag) must be a:b with finite a < b, got '\(text)'")
        }
        return a...b
    }

    func validate() throws {
        _ = try Self.range(re, flag: "--re")
        _ = try Self.range(im, flag: "--im")
        guard (2...4001).contains(grid) else { throw ValidationError("--grid must be between 2 and 4001, got \(grid)") }
        guard method != .map else { throw ValidationError("--method map has no amplification factor; choose an integrator") }
    }

    func run() throws {
        if let out { try MatrixFile.checkWritable(out) }
        let r = AmplificationFactor.region(method, real: try Self.range(re, flag: "--re"),
                                           imaginary: try Self.range(im, flag: "--im"), grid: grid)
        if let out {
            let rows = r.im.indices.flatMap { i in r.re.indices.map { j in [r.re[j], r.im[i], r.modulus[i][j]] } }
            try MatrixRowWriter<Double>.write(rows, columns: 3, header: ["re", "im", "modulus"], to: out)
        }
        if output.json { return try Output.printJSON(Report(method: method.rawValue, re: r.re, im: r.im, modulus: r.modulus)) }
        let stable = r.modulus.joined().filter { $0 <= 1 + 1e-12 }.count
        print("\(method.rawValue): |R(z)| on a \(grid)×\(grid) grid, Re z ∈ [\(re)], Im z ∈ [\(im)]")
        print("\(stable) of \(grid * grid) points have |R| ≤ 1" + (out.map { "; grid written to \($0)" } ?? ""))
    }
}
