import CLAPACK
import ComplexModule

/// What this CPU offers OpenBLAS's x86-64 kernels.
public struct CPUFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let avx = CPUFeatures(rawValue: 1)
    /// AVX2 and FMA3 (Haswell, Zen).
    public static let avx2 = CPUFeatures(rawValue: 2)
    /// AVX-512 F, CD, BW, DQ and VL (Skylake-SP and later).
    public static let avx512 = CPUFeatures(rawValue: 4)
    /// AVX-512 BF16 (Cooper Lake, Sapphire Rapids, Zen 4).
    public static let avx512BF16 = CPUFeatures(rawValue: 8)

    /// This CPU's, as the compiler's CPU model reads them (operating-system support included).
    public static var current: CPUFeatures { CPUFeatures(rawValue: Int(dynamics_cpu_features())) }

    /// The features by name, for messages ("AVX2, AVX-512").
    public var names: [String] {
        [(Self.avx, "AVX"), (.avx2, "AVX2+FMA"), (.avx512, "AVX-512"), (.avx512BF16, "AVX-512 BF16")].filter { contains($0.0) }.map(\.1)
    }
}

/// The OpenBLAS kernel ("core") a process should run on a CPU newer than the linked OpenBLAS
/// knows.
///
/// OpenBLAS built with `DYNAMIC_ARCH` picks its kernels when it loads, from the CPU's model
/// number; a model it does not know gets the oldest kernel, `Prescott` (SSE3), even on a
/// machine with AVX-512 (measured on a Sapphire Rapids-class Xeon with Debian's 0.3.21: SGEMM
/// 42–52 GFLOP/s against about 293 with `OPENBLAS_CORETYPE=Cooperlake`). It honours
/// `OPENBLAS_CORETYPE` only at load, so a better kernel needs a new process image: the
/// `dynamics` executable checks at start-up (`decide`), tries the candidate in a child process
/// (`selfCheck`: an older build can compute wrong results, or the kernel can fault), and
/// re-executes itself with `OPENBLAS_CORETYPE` set if it passed. A value the user set is never
/// overridden.
public enum BLASKernelSelection {
    /// OpenBLAS's x86-64 cores that the selection ranks, oldest first, with the features each
    /// needs; a core not named here is left alone. `Zen` uses Haswell's kernels; the AMD cores
    /// before it are ranked with the Intel core of their vector width.
    static let ladder: [(names: [String], needs: CPUFeatures)] = [
        (["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Opteron", "Opteron_SSE3", "Barcelona", "Nano"], []),
        (["Sandybridge", "Bulldozer", "Piledriver", "Steamroller", "Excavator"], .avx),
        (["Haswell", "Zen"], .avx2),
        (["SkylakeX"], .avx512),
        (["Cooperlake", "SapphireRapids"], [.avx512, .avx512BF16]),
    ]

    /// The rung of a core on `ladder` (nil: not ranked).
    static func rung(_ core: String) -> Int? { ladder.firstIndex { $0.names.contains(core) } }

    /// The best core these features allow (nil: none of the ranked ones, e.g. not x86-64).
    public static func best(for features: CPUFeatures) -> String? {
        ladder.last { features.isSuperset(of: $0.needs) }?.names[0]
    }

    /// What to do about the core OpenBLAS chose.
    public enum Decision: Equatable, Sendable {
        /// Keep it, for this reason.
        case keep(String)
        /// Try this core, for this reason: a better one the CPU supports.
        case tryCore(String, because: String)
    }

    /// - Parameters:
    ///   - current: the core OpenBLAS runs (`BLASConfiguration.coreName`).
    ///   - features: the CPU's (`CPUFeatures.current`).
    ///   - configuration: OpenBLAS's configuration string (only `DYNAMIC_ARCH` builds can
    ///     change kernels).
    ///   - userSetting: `OPENBLAS_CORETYPE` as the user set it (nil: not set).
    public static func decide(current: String, features: CPUFeatures, configuration: String, userSetting: String?) -> Decision {
        if let userSetting { return .keep("set by OPENBLAS_CORETYPE=\(userSetting)") }
        guard configuration.contains("DYNAMIC_ARCH") else { return .keep("this OpenBLAS is built for one kernel (no DYNAMIC_ARCH)") }
        guard let best = best(for: features), let bestRung = rung(best) else { return .keep("OpenBLAS's own choice") }
        guard let currentRung = rung(current) else { return .keep("OpenBLAS's own choice (a core this selection does not rank)") }
        guard currentRung < bestRung else {
            return .keep("OpenBLAS's own choice, which suits this CPU (\(features.names.joined(separator: ", ")))")
        }
        return .tryCore(best, because: "OpenBLAS chose \(current), an older kernel than this CPU's \(features.names.joined(separator: ", ")) allow")
    }

    /// Checks the kernels in use on small problems against independent references: SGEMM
    /// and DGEMM (67×53 by 53×71, against products summed in Double by loops, to 1e-4 and
    /// 1e-12 of Σ|a||b|: a few hundred rounding errors of each precision) and DGEEV (24×24:
    /// every eigenpair's residual ‖Av − λv‖ within 1e-10·‖A‖_F‖v‖). Returns what failed, or
    /// nil. Deterministic data (a linear congruential sequence).
    public static func selfCheck() -> String? {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let (m, k, n) = (67, 53, 71)
        let a = (0..<(m * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
        func failure<T: BLASScalar>(_: T.Type, tolerance: Double) -> String? {
            let x = Matrix<T>(rows: m, columns: k, columnMajor: a.map { T($0) }), y = Matrix<T>(rows: k, columns: n, columnMajor: b.map { T($0) })
            var z = Matrix<T>(rows: m, columns: n)
            Matrix.gemm(x, y, into: &z)
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, scale = 0.0
                    for p in 0..<k {
                        let term = Double(x[i, p]) * Double(y[p, j])
                        exact += term
                        scale += abs(term)
                    }
                    let error = abs(Double(z[i, j]) - exact)
                    if !(error <= tolerance * scale) { return "\(T.self == Float.self ? "SGEMM" : "DGEMM") entry (\(i), \(j)) is off by \(error) (bound \(tolerance * scale))" }
                }
            }
            return nil
        }
        if let f = failure(Float.self, tolerance: 1e-4) ?? failure(Double.self, tolerance: 1e-12) { return f }
        let size = 24
        let matrix = Matrix<Double>(rows: size, columns: size, columnMajor: (0..<(size * size)).map { _ in next() })
        guard let decomposition = try? matrix.eigenDecomposition(), let vectors = decomposition.eigenvectors,
              decomposition.eigenvalues.count == size else { return "DGEEV failed on a 24×24 matrix" }
        let norm = (0..<size).flatMap { i in (0..<size).map { matrix[i, $0] * matrix[i, $0] } }.reduce(0, +).squareRoot()
        for (lambda, v) in zip(decomposition.eigenvalues, vectors) {
            let vNorm = v.map { $0.length * $0.length }.reduce(0, +).squareRoot()
            var residual = 0.0
            for i in 0..<size {
                var r = -lambda * v[i]
                for j in 0..<size { r += Complex(matrix[i, j]) * v[j] }
                residual += r.length * r.length
            }
            if !(residual.squareRoot() <= 1e-10 * norm * vNorm) { return "DGEEV's eigenpair for λ = \(lambda) has residual \(residual.squareRoot())" }
        }
        return nil
    }
}
