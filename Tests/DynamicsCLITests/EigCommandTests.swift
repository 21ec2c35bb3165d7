import Foundation
import LinearAlgebra
import Testing

@Suite("dynamics eig and info, end to end")
struct EigCommandTests {
    @Test("eig --json on an anti-symmetric matrix: purely imaginary, marginal")
    func antiSymmetric() throws {
        let path = CLIRunner.temporaryPath("skew.npy")
        try NumPyArray(Matrix<Double>([[0, 2, -1], [-2, 0, 3], [1, -3, 0]])).write(to: path)
        let r = try CLIRunner.run(["eig", path, "--json"])
        #expect(r.status == 0)
        let json = try #require(r.json)
        #expect(json["purelyImaginary"] as? Bool == true)
        #expect(json["verdict"] as? String == "marginal")
        // Eigenvalues of this skew matrix: 0 and ±i·√(2² + 1² + 3²) = ±i√14.
        let radius = try #require(json["spectralRadius"] as? Double)
        #expect(abs(radius - 14.0.squareRoot()) <= 1e-13)
        #expect((json["eigenvalues"] as? [[Double]])?.count == 3)
    }

    @Test("eig on a CSV map with --discrete: radius 1.2 is unstable; the table is readable")
    func discrete() throws {
        let path = CLIRunner.temporaryPath("map.csv")
        try "0.6, 0\n0, -1.2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["eig", path, "--discrete", "--json"])
        #expect(r.json?["verdict"] as? String == "unstable")
        let table = try CLIRunner.run(["eig", path])
        #expect(table.status == 0 && table.stdout.contains("spectral radius") && table.stdout.contains("unstable"))
    }

    @Test("bad input: one line on stderr naming the file, non-zero exit", arguments: [
        ("missing.npy", nil as String?, "no such file"),
        ("ragged.csv", "1,2\n3\n", "ragged rows"),
        ("nonsquare.csv", "1,2,3\n4,5,6\n", "square matrix, got 2×3"),
        ("nan.csv", "1,nan\n2,3\n", "non-finite entry"),
        ("inf.csv", "1,inf\n2,3\n", "non-finite entry"),
        ("empty.csv", "\n", "no rows"),
        ("junk.npy", "not numpy", "not a NumPy .npy file"),
        ("matrix.mat", "1", "unknown file type"),
    ])
    func badInput(name: String, contents: String?, expected: String) throws {
        let path = CLIRunner.temporaryPath(name)
        if let contents { try contents.write(toFile: path, atomically: true, encoding: .utf8) }
        let r = try CLIRunner.run(["eig", path])
        #expect(r.status != 0)
        #expect(r.stderr.contains(path) && r.stderr.contains(expected), "stderr was: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.isEmpty)
    }

    @Test("truncated, integer and empty .npy files are refused")
    func badNpy() throws {
        let good = CLIRunner.temporaryPath("good.npy")
        try NumPyArray(Matrix<Double>.identity(4)).write(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = CLIRunner.temporaryPath("truncated.npy")
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: truncated))
        let empty = CLIRunner.temporaryPath("empty.npy")
        try NumPyArray(shape: [0, 0], values: []).write(to: empty)
        for (path, expected) in [(truncated, "truncated data"), (empty, "empty")] {
            let r = try CLIRunner.run(["eig", path])
            #expect(r.status != 0 && r.stderr.contains(expected), "stderr was: \(r.stderr)")
        }
        let r = try CLIRunner.run(["eig", good, "--tolerance", "-1"])
        #expect(r.status != 0 && r.stderr.contains("--tolerance"))
    }

    @Test("info names OpenBLAS and honours OPENBLAS_NUM_THREADS")
    func info() throws {
        let r = try CLIRunner.run(["info", "--json"], environment: ["OPENBLAS_NUM_THREADS": "1"])
        #expect(r.status == 0)
        #expect((r.json?["blas"] as? String)?.hasPrefix("OpenBLAS") == true)
        #expect(r.json?["blasThreads"] as? Int == 1)
    }
}
