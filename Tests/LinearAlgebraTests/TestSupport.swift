import LinearAlgebra

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator so tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomMatrix<T: BLASScalar>(_ rows: Int, _ columns: Int, seed: UInt64, as _: T.Type = T.self) -> Matrix<T>
where T.RawSignificand: FixedWidthInteger {
    var g = SeededGenerator(seed: seed)
    return Matrix(rows: rows, columns: columns,
                  columnMajor: (0..<(rows * columns)).map { _ in T.random(in: -1...1, using: &g) })
}

/// The textbook triple loop, as an independent reference for BLAS.
func naiveProduct<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> Matrix<T> {
    var c = Matrix<T>(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var s: T = 0
            for k in 0..<a.columns { s += a[i, k] * b[k, j] }
            c[i, j] = s
        }
    }
    return c
}

func maxAbsDifference<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> T {
    zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
}
