import Dispatch
import LinearAlgebra

/// Splits memory-bound loops over as many threads as BLAS uses (the convolution kernels do the
/// same), in contiguous ranges, when each share is large enough to pay for waking a thread.
@usableFromInline
enum Workers {
    /// Elements per share below which one thread is faster: 2¹⁵ (128 KB of Float), from a
    /// hamiltonian-74 training step, where smaller shares made no difference and larger ones
    /// left the last stage (8×8 planes) on one core.
    @usableFromInline static let minimumShare = 1 << 15

    /// The least number of items per share when each item has `itemSize` elements.
    @inlinable
    static func grain(itemSize: Int) -> Int { max(1, minimumShare / max(1, itemSize)) }

    /// Runs `body` on a partition of 0..<count into contiguous ranges of at least `grain` items
    /// (one range per worker, on the calling thread alone when there is one).
    @inlinable
    static func forEach(_ count: Int, grain: Int = minimumShare, _ body: @Sendable (Range<Int>) -> Void) {
        let workers = max(1, min(BLASConfiguration.threads, count / max(1, grain)))
        if workers == 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { k in
            body((count * k / workers)..<(count * (k + 1) / workers))
        }
    }
}

/// A buffer handed to the workers of one `Workers.forEach`, which write disjoint ranges of it.
@usableFromInline
struct Shared<Element>: @unchecked Sendable {
    @usableFromInline let buffer: UnsafeMutableBufferPointer<Element>
    @inlinable init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
