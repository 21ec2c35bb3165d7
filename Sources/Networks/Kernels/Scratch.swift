import LinearAlgebra

/// Reusable buffers for the kernels of one network, so that a training step allocates only on
/// its first use of each shape, and the network's `ComputeContext`. Not thread-safe: one per
/// network (per thread).
public final class Scratch<Scalar: BLASScalar> {
    /// The algorithm and threads the kernels run with.
    public let context: ComputeContext
    /// im2col matrices.
    var columns: [Scalar] = []
    /// Flipped weights for transposed convolutions.
    var flipped: [Scalar] = []
    var tensors: [Int: Tensor<Scalar>] = [:]
    /// Floating-point operations of the convolutions run through this scratch.
    public var flops: Double = 0
    /// One scratch per image chunk of a parallel pass (`Network`), made on first use.
    private var chunks: [Scratch] = []

    public init(context: ComputeContext = ComputeContext()) { self.context = context }

    /// The scratch of image chunk `i`. Call before the parallel region: it may create one.
    func chunk(_ i: Int) -> Scratch {
        while chunks.count <= i { chunks.append(Scratch(context: context)) }
        return chunks[i]
    }

    /// `flops` with those of the chunks' scratches.
    public var totalFlops: Double { chunks.reduce(flops) { $0 + $1.totalFlops } }

    /// A tensor for slot `id` with the given shape, taken out of the pool (its contents are
    /// stale). Give it back with `recycle` to reuse its storage.
    func take(_ id: Int, channels: Int, like x: Tensor<Scalar>) -> Tensor<Scalar> {
        if let t = tensors.removeValue(forKey: id), t.channels == channels, t.batch == x.batch,
           t.height == x.height, t.width == x.width {
            return t
        }
        return Tensor(channels: channels, batch: x.batch, height: x.height, width: x.width)
    }

    func recycle(_ id: Int, _ t: Tensor<Scalar>) { tensors[id] = t }

    /// Ensures `buffer` holds at least `count` elements.
    static func reserve(_ buffer: inout [Scalar], _ count: Int) {
        if buffer.count < count { buffer = [Scalar](repeating: 0, count: count) }
    }
}

/// A field whose kernels draw buffers from a `Scratch`: a parallel pass gives each chunk of
/// images a copy bound to its own (the weights are shared, copy-on-write).
public protocol ScratchBound {
    associatedtype Scalar: BLASScalar
    var scratch: Scratch<Scalar> { get set }
}
