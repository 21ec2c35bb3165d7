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

    /// GFLOP/s of `threads` threads running the chains at once (all their operations over the
    /// slowest thread's time), the best of `repetitions` of about 0.1 s each. Measure before
    /// other multithreaded work: a BLAS library's threads spin for a while after each call
    /// and would take cores from the chains.
    public static func measure(threads: Int, repetitions: Int = 3) -> Double {
        let iterations = 400_000_000 / max(1, lanes)
        var best = 0.0
        for _ in 0..<max(1, repetitions) {
            let runs = Runs(count: threads)
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { k in
                var flops = 0.0
                let seconds = dyn_fma_chains(iterations, &flops)
                runs.set(k, flops: flops, seconds: seconds)
            }
            best = max(best, runs.gflops)
        }
        return best
    }

    /// What each thread of one measurement did (each writes its own slot).
    private final class Runs: @unchecked Sendable {
        private let flops: UnsafeMutableBufferPointer<Double>, seconds: UnsafeMutableBufferPointer<Double>
        init(count: Int) {
            flops = .allocate(capacity: max(1, count))
            seconds = .allocate(capacity: max(1, count))
            flops.initialize(repeating: 0)
            seconds.initialize(repeating: 0)
        }
        deinit {
            flops.deallocate()
            seconds.deallocate()
        }
        func set(_ k: Int, flops f: Double, seconds s: Double) { (flops[k], seconds[k]) = (f, s) }
        var gflops: Double { flops.reduce(0, +) / max(seconds.max() ?? 1, 1e-9) / 1e9 }
    }
}
