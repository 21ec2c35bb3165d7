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
    /// Which statistics the blocks' batch norms use (`BatchNormLayer`). Set by the network for
    /// each pass; analyses leave it at `.running`, the trained network's function.
    public var normalization: NormalizationMode = .running
    /// Batch statistics recorded in a `.recordingBatch` pass, by `BatchNormLayer.slot`: the
    /// first evaluation of each layer in the pass, which the network folds into the running
    /// statistics once the pass ends (so reconstruction never updates them).
    var recordedStatistics: [Int: (mean: [Scalar], variance: [Scalar])] = [:]
    /// What a layer's forward evaluation keeps for its pullback, which follows it on the same
    /// scratch (normalised inputs, pre-activations; 1/σ per channel).
    var stashedTensors: [Int: Tensor<Scalar>] = [:]
    var stashedVectors: [Int: [Scalar]] = [:]
    /// The ranks of a data-parallel run whose images batch statistics are taken over
    /// (synchronised batch norm); nil for one process. Chunk scratches share it.
    public var replicas: (any Communicator)? {
        didSet { for c in chunks { c.replicas = replicas } }
    }

    public init(context: ComputeContext = ComputeContext()) { self.context = context }

    /// The scratch of image chunk `i`. Call before the parallel region: it may create one.
    func chunk(_ i: Int) -> Scratch {
        while chunks.count <= i {
            let chunk = Scratch(context: context)
            chunk.normalization = normalization
            chunk.replicas = replicas
            chunks.append(chunk)
        }
        return chunks[i]
    }

    /// The number of chunk scratches made so far.
    var chunkCount: Int { chunks.count }

    /// Forgets the statistics recorded by this scratch and its chunks.
    func clearRecordedStatistics() {
        recordedStatistics.removeAll(keepingCapacity: true)
        for c in chunks { c.clearRecordedStatistics() }
    }

    /// Sets the batch-norm mode of this scratch and its chunks'.
    func setNormalization(_ mode: NormalizationMode) {
        normalization = mode
        for c in chunks { c.setNormalization(mode) }
    }

    /// `flops` with those of the chunks' scratches.
    public var totalFlops: Double { chunks.reduce(flops) { $0 + $1.totalFlops } }

    /// A tensor for slot `id` with the given shape, taken out of the pool (its contents are
    /// stale). Give it back with `recycle` to reuse its storage.
    func take(_ id: Int, channels: Int, like x: Tensor<Scalar>) -> Tensor<Scalar> {
        take(id, channels: channels, batch: x.batch, height: x.height, width: x.width)
    }

    /// `take` with the shape given.
    func take(_ id: Int, channels: Int, batch: Int, height: Int, width: Int) -> Tensor<Scalar> {
        if let t = tensors.removeValue(forKey: id), t.channels == channels, t.batch == batch, t.height == height, t.width == width {
            return t
        }
        return Tensor(channels: channels, batch: batch, height: height, width: width)
    }

    func recycle(_ id: Int, _ t: Tensor<Scalar>) { tensors[id] = t }

    /// Ensures `buffer` holds at least `count` elements.
    static func reserve(_ buffer: inout [Scalar], _ count: Int) {
        if buffer.count < count { buffer = [Scalar](repeating: 0, count: count) }
    }
}

/// Which statistics batch norm inside blocks uses during a pass.
public enum NormalizationMode: Sendable, Equatable {
    /// Running statistics: the network's function at evaluation, and what analyses linearise.
    case running
    /// The batch's own statistics, not recorded: reconstruction in the reversible backward
    /// pass, which recomputes the forward pass's statistics from the rebuilt inputs.
    case batch
    /// The batch's statistics, recorded for the running-statistics update: the training
    /// forward pass.
    case recordingBatch
}

/// A field whose kernels draw buffers from a `Scratch`: a parallel pass gives each chunk of
/// images a copy bound to its own (the weights are shared, copy-on-write).
public protocol ScratchBound {
    associatedtype Scalar: BLASScalar
    var scratch: Scratch<Scalar> { get set }
}
