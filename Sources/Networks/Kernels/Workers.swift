import Dispatch
import Glibc
import LinearAlgebra

/// Splits memory-bound loops over as many threads as BLAS uses (the convolution kernels do the
/// same), in contiguous ranges, when each share is large enough to pay for waking a thread.
@usableFromInline
enum Workers {
    /// Elements per share, at least: 2¹⁵ (128 KB of Float), so that waking a thread (tens of
    /// microseconds) is small against the share's work. Chosen, not tuned.
    @usableFromInline static let minimumShare = 1 << 15

    /// The least number of items per share when each item has `itemSize` elements.
    @inlinable
    static func grain(itemSize: Int) -> Int { max(1, minimumShare / max(1, itemSize)) }

    /// Marks the threads running one task of `forEachIndex`: below it, everything is serial.
    @usableFromInline static let serialKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "Workers: no thread-local key")
        return key
    }()

    /// The number of threads kernels may use here: BLAS's thread count, or 1 inside a task of
    /// `forEachIndex` (whose tasks already occupy every thread).
    @inlinable
    static var available: Int { insideTask ? 1 : BLASConfiguration.threads }

    /// Whether the calling thread runs a task of `forEachIndex` (below it, kernels are serial).
    @inlinable
    static var insideTask: Bool { pthread_getspecific(serialKey) != nil }

    /// Runs `body` on a partition of 0..<count into contiguous ranges of at least `grain` items
    /// (one range per worker, on the calling thread alone when there is one).
    @inlinable
    static func forEach(_ count: Int, grain: Int = minimumShare, _ body: @Sendable (Range<Int>) -> Void) {
        let workers = max(1, min(available, count / max(1, grain)))
        if workers == 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { k in
            body((count * k / workers)..<(count * (k + 1) / workers))
        }
    }
}

extension Workers {

    /// Runs `body(i)` for every i in 0..<count, spread over the workers (serially when `workers`
    /// is 1 or inside another task). The caller makes the iterations independent (each writes
    /// only its own data). Kernels called inside run single-threaded (`available` is 1 there),
    /// so the tasks do not oversubscribe the cores.
    static func forEachIndex(_ count: Int, workers: Int, _ body: (Int) -> Void) {
        if count == 1 || workers <= 1 || insideTask {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedTask(body: body)
            DispatchQueue.concurrentPerform(iterations: count) { i in
                let outer = pthread_getspecific(serialKey)
                pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
                task.body(i)
                pthread_setspecific(serialKey, outer)
            }
        }
    }
}

extension Workers {
    /// Serialises BLAS calls made inside tasks of `forEachIndex` (the im2col + GEMM
    /// convolutions of widths the direct kernels do not take): each call then has all of BLAS's
    /// threads, instead of two tasks' calls running four threads on two cores.
    static func exclusiveBLAS<R>(_ body: () -> R) -> R {
        if !insideTask { return body() }
        pthread_mutex_lock(blasMutex)
        defer { pthread_mutex_unlock(blasMutex) }
        return body()
    }

    nonisolated(unsafe) private static let blasMutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        precondition(pthread_mutex_init(m, nil) == 0, "Workers: no mutex")
        return m
    }()
}

/// A closure handed to worker threads by `Workers.forEachIndex`.
private struct UncheckedTask: @unchecked Sendable {
    let body: (Int) -> Void
}

/// A buffer handed to the workers of one `Workers.forEach`, which write disjoint ranges of it.
@usableFromInline
struct Shared<Element>: @unchecked Sendable {
    @usableFromInline let buffer: UnsafeMutableBufferPointer<Element>
    @inlinable init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
