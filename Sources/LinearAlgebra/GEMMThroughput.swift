import Foundation

/// Measures what this machine's BLAS reaches on square GEMM, so that other figures (a network's
/// useful FLOP/s) can be quoted as a fraction of it in the same run.
public enum GEMMThroughput {
    /// Best GFLOP/s over `repetitions` products of n×n matrices (after one warm-up), with the
    /// current BLAS thread count. Specialised for Float and Double: filling the matrices through
    /// unspecialised generics took longer than the products.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func measure<T: BLASScalar>(_: T.Type, n: Int, repetitions: Int = 5) -> Double {
        let a = Matrix<T>(rows: n, columns: n, columnMajor: (0..<(n * n)).map { T(($0 * 7919) % 1000) / 1000 - 0.5 })
        let b = Matrix<T>(rows: n, columns: n, columnMajor: (0..<(n * n)).map { T(($0 * 104729) % 1000) / 1000 - 0.5 })
        var c = Matrix<T>(rows: n, columns: n)
        Matrix.gemm(a, b, into: &c)
        var best = Double.infinity
        for _ in 0..<max(1, repetitions) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            Matrix.gemm(a, b, into: &c)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
