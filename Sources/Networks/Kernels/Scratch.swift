import LinearAlgebra

/// Reusable buffers for the kernels of one network, so that a training step allocates only on
/// its first use of each shape. Not thread-safe: one per network (per thread).
public final class Scratch<Scalar: BLASScalar> {
    /// im2col matrices.
    var columns: [Scalar] = []
    /// Flipped weights for transposed convolutions.
    var flipped: [Scalar] = []
    var tensors: [Int: Tensor<Scalar>] = [:]
    /// Floating-point operations of the convolution GEMMs run through this scratch.
    public var flops: Double = 0

    public init() {}

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
