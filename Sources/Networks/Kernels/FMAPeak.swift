import CKernels
import Dispatch
import Foundation

/// This machine's FP32 fused-multiply-add peak, measured by a kernel of ours (CKernels'
/// `peak.c`: twelve independent FMA chains per thread in the widest vectors available), so
/// that a network's useful GFLOP/s can be quoted as a fraction of what the cores can do,
/// whichever BLAS kernel runs.
public enum FMAPeak {
    /// Floats per FMA instruction on this CPU (16 with AVX-512, 8 with AVX2, 1 otherwise).
    public static var lanes: Int { Int(dyn_fma_lanes()) }

    /// GFLOP/s of `threads` threads running the chains at once, the best of `repetitions`
    /// (each thread about 0.05 s).
    public static func measure(threads: Int, repetitions: Int = 3) -> Double {
        let iterations = 50_000_000 / max(1, lanes)
        var best = 0.0
        for _ in 0..<max(1, repetitions) {
            let rates = RateBox(count: threads)
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { k in rates.set(k, dyn_fma_peak_gflops(iterations)) }
            best = max(best, rates.total)
        }
        return best
    }

    /// Per-thread rates written by the threads of one measurement (each its own slot).
    private final class RateBox: @unchecked Sendable {
        private let rates: UnsafeMutableBufferPointer<Double>
        init(count: Int) { rates = .allocate(capacity: max(1, count)); rates.initialize(repeating: 0) }
        deinit { rates.deallocate() }
        func set(_ k: Int, _ rate: Double) { rates[k] = rate }
        var total: Double { rates.reduce(0, +) }
    }
}
