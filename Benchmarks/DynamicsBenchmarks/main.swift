// Benchmarks for Dynamics. Run in release: `swift run -c release DynamicsBenchmarks [--quick]`.
// Prints figures; never fails on time. Each figure is the best of several repetitions.
import CReference
import Dynamics
import Foundation

let quick = CommandLine.arguments.contains("--quick")
let reps = quick ? 3 : 10

func bestSeconds(_ reps: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return best
}

print("Dynamics benchmarks (\(quick ? "quick" : "full")), \(BLASConfiguration.configuration)")
print("")
print("GEMM, n×n column-major, best of \(reps)   [Swift Matrix.gemm vs cblas_?gemm called from C]")
print("threads     n    SGEMM Swift   SGEMM C   DGEMM Swift   DGEMM C    (GFLOP/s)")
for threads in [1, 2] {
    BLASConfiguration.threads = threads
    for n in quick ? [512, 1024] : [256, 512, 1024, 2048] {
        let ss = GEMMThroughput.measure(Float.self, n: n, repetitions: reps), sc = creference_sgemm_gflops(Int32(n), Int32(reps))
        let ds = GEMMThroughput.measure(Double.self, n: n, repetitions: reps), dc = creference_dgemm_gflops(Int32(n), Int32(reps))
        print(String(format: "%7d %5d %14.1f %9.1f %13.1f %9.1f", threads, n, ss, sc, ds, dc))
    }
}
BLASConfiguration.threads = BLASConfiguration.processors

print("")
print("Eigenvalues (dgeev, no vectors) of random n×n matrices, \(BLASConfiguration.threads) threads")
var generator = SystemRandomNumberGenerator()
for n in [200, 500, 1000] {
    let a = Matrix<Double>(rows: n, columns: n, columnMajor: (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &generator) })
    let t = try bestSeconds(n >= 1000 || quick ? 2 : 5) { _ = try a.eigenvalues() }
    print(String(format: "n = %4d   %8.3f s", n, t))
}

print("")
print("Lorenz, RK4, 10⁶ steps of h = 0.01 in double   [Dynamics generic integrator vs a plain C loop]")
do {
    let steps = 1_000_000
    var swiftFinal: [Double] = []
    let swiftTime = try bestSeconds(quick ? 2 : 5) {
        swiftFinal = try BuiltinSystem<Double>.named("lorenz")
            .run(.rk4, Integration(initialPoint: [1, 1, 1], stepSize: 0.01, steps: steps)).final
    }
    var cState = [1.0, 1.0, 1.0]
    let cTime = bestSeconds(quick ? 2 : 5) {
        cState = [1, 1, 1]
        creference_lorenz_rk4(&cState, 0.01, steps)
    }
    print(String(format: "Swift %.3f s   C %.3f s   ratio %.2f", swiftTime, cTime, swiftTime / cTime))
    print("final points: Swift \(swiftFinal)  C \(cState)")
}
print("")
print("Lyapunov spectrum of Lorenz, RK4, h = 0.01, 10⁶ steps after 10³ (QR every step)")
do {
    let lorenz = try BuiltinSystem<Double>.named("lorenz")
    let r = try lorenz.run(.rk4, LyapunovSpectrum(LyapunovSettings(initialPoint: lorenz.initialPoint, stepSize: 0.01,
                                                                   steps: quick ? 100_000 : 1_000_000, transient: 1000)))
    print(String(format: "%.2f s   exponents %.4f %.4f %.4f", r.seconds, r.exponents[0], r.exponents[1], r.exponents[2]))
}
print("")
print("3×3 convolutions of hamiltonian-74's stages, Float, 32 images, 1 thread, best of \(reps)")
print("[effective GFLOP/s: the direct sum's 2·9·Cin·Cout·H·W FLOPs per image, whatever the algorithm]")
print("channels  plane    forward direct  winograd    weight gradient direct  winograd")
do {
    BLASConfiguration.threads = 1
    var g = SeededGenerator(seed: 1)
    for (c, side) in [(16, 32), (32, 16), (56, 8)] {
        let conv = Convolution3x3<Float>(inputChannels: c, outputChannels: c, using: &g)
        let x = Tensor<Float>(channels: c, batch: 32, height: side, width: side,
                              data: (0..<(c * 32 * side * side)).map { _ in Float.random(in: -1...1, using: &g) })
        var y = x, dW = [Float](repeating: 0, count: conv.weights.count)
        let flops = conv.flops(channelSize: x.channelSize)
        let scratches = [ConvolutionAlgorithm.direct, .winograd].map { Scratch<Float>(context: ComputeContext(convolution: $0, threads: 1)) }
        var rates: [Double] = []
        for scratch in scratches {
            rates.append(flops / bestSeconds(reps) { conv.apply(x, into: &y, scratch: scratch) } / 1e9)
        }
        for scratch in scratches {
            rates.append(flops / bestSeconds(reps) {
                conv.accumulateWeightGradient(input: x, outputGradient: y, scale: 1, into: &dW, scratch: scratch)
            } / 1e9)
        }
        print(String(format: "%8d  %2d×%-2d %15.1f %9.1f %29.1f %9.1f", c, side, side, rates[0], rates[1], rates[2], rates[3]))
    }
    BLASConfiguration.threads = BLASConfiguration.processors
}
