import LinearAlgebra

/// A 3×3 convolution with stride 1 and zero padding 1 (the "same" convolution of the paper's
/// blocks), computed as one GEMM over the whole batch after im2col (Chellapilla, Puri & Simard,
/// "High performance convolutional neural networks for document processing", 2006).
///
/// Weights are stored column-major as a (Cin·9)×Cout matrix: entry k + co·K with
/// k = (ci·3 + dy)·3 + dx holds K[co, ci, dy, dx] (a cross-correlation, as in deep-learning
/// libraries). The transpose Kᵀ — with the same weights — is the convolution with the kernel
/// rotated by 180° and the channel roles swapped.
public struct Convolution3x3<Scalar: BLASScalar>: Sendable, Equatable {
    public let inputChannels: Int
    public let outputChannels: Int
    public var weights: [Scalar]

    /// K = Cin·9, the GEMM's inner dimension.
    @inlinable public var patchSize: Int { inputChannels * 9 }

    public init(inputChannels: Int, outputChannels: Int, weights: [Scalar]) {
        precondition(weights.count == inputChannels * 9 * outputChannels, "Convolution3x3: \(weights.count) weights for \(inputChannels)→\(outputChannels)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.weights = weights
    }

    /// He-normal initialisation scaled by `gain` (He et al., ICCV 2015), from a seeded generator.
    public init<G: RandomNumberGenerator>(inputChannels: Int, outputChannels: Int, gain: Scalar = 1, using g: inout G) {
        let std = gain * (2 / Scalar(inputChannels * 9)).squareRoot()
        self.init(inputChannels: inputChannels, outputChannels: outputChannels,
                  weights: (0..<(inputChannels * 9 * outputChannels)).map { _ in std * Scalar(Gaussian.sample(using: &g)) })
    }

    /// y ← α·K x, or y + α·K x when `adding` (y must have `outputChannels` channels and x's other
    /// dimensions). The scale and the sum happen in the kernel's epilogue, not in extra passes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply(_ x: Tensor<Scalar>, into y: inout Tensor<Scalar>, scale alpha: Scalar = 1, adding: Bool = false,
                      scratch: Scratch<Scalar>) {
        precondition(x.channels == inputChannels && y.channels == outputChannels && y.channelSize == x.channelSize,
                     "Convolution3x3.apply: shapes \(x.channels)→\(y.channels) do not match \(inputChannels)→\(outputChannels)")
        Self.convolve(x, weights: weights, outputChannels: outputChannels, into: &y, alpha: alpha, beta: adding ? 1 : 0,
                      scratch: scratch)
        scratch.flops += flops(channelSize: x.channelSize)
    }

    /// z ← α·Kᵀ s with the same weights, or z + α·Kᵀ s when `adding` (z has `inputChannels` channels).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func applyTranspose(_ s: Tensor<Scalar>, into z: inout Tensor<Scalar>, scale alpha: Scalar = 1, adding: Bool = false,
                               scratch: Scratch<Scalar>) {
        precondition(s.channels == outputChannels && z.channels == inputChannels && z.channelSize == s.channelSize,
                     "Convolution3x3.applyTranspose: shapes do not match")
        Scratch.reserve(&scratch.flipped, weights.count)
        let kIn = patchSize, kOut = outputChannels * 9
        for co in 0..<outputChannels {
            for ci in 0..<inputChannels {
                for t in 0..<9 {  // t = dy·3 + dx; rotated by 180°: 8 − t
                    scratch.flipped[co * 9 + (8 - t) + ci * kOut] = weights[ci * 9 + t + co * kIn]
                }
            }
        }
        Self.convolve(s, weights: scratch.flipped, outputChannels: inputChannels, into: &z, alpha: alpha, beta: adding ? 1 : 0,
                      scratch: scratch)
        scratch.flops += flops(channelSize: s.channelSize)
    }

    /// dW ← dW + scale·∂⟨dy, K x⟩/∂K = scale·im2col(x)ᵀ·dy, chunk by chunk of images.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func accumulateWeightGradient(input x: Tensor<Scalar>, outputGradient dy: Tensor<Scalar>, scale: Scalar,
                                         into dW: inout [Scalar], scratch: Scratch<Scalar>) {
        precondition(x.channels == inputChannels && dy.channels == outputChannels && dW.count == weights.count,
                     "Convolution3x3.accumulateWeightGradient: shapes do not match")
        if DirectConvolution.suitsGradient(Scalar.self, outputChannels: outputChannels) {
            DirectConvolution.weightGradient(input: x, outputGradient: dy, scale: scale, into: &dW, context: scratch.context)
            scratch.flops += flops(channelSize: x.channelSize)
            return
        }
        let p = x.channelSize, k = patchSize, plane = x.planeSize
        for images in Self.chunks(x) {
            let rows = images.count * plane
            Self.im2col(x, images: images, into: &scratch.columns)
            scratch.columns.withUnsafeBufferPointer { cols in
                dy.data.withUnsafeBufferPointer { dy in
                    dW.withUnsafeMutableBufferPointer { dW in
                        Workers.exclusiveBLAS {
                            Scalar.gemm(transposeA: true, transposeB: false, m: Int32(k), n: Int32(outputChannels), k: Int32(rows),
                                        alpha: scale, a: cols.baseAddress!, lda: Int32(rows),
                                        b: dy.baseAddress! + images.lowerBound * plane, ldb: Int32(p),
                                        beta: 1, c: dW.baseAddress!, ldc: Int32(k))
                        }
                    }
                }
            }
        }
        scratch.flops += flops(channelSize: p)
    }

    /// FLOPs of one application to a batch whose channels have P = N·H·W elements.
    public func flops(channelSize p: Int) -> Double { 2 * Double(p) * Double(patchSize) * Double(outputChannels) }

    /// Elements of an im2col chunk: 2²¹ floats (8 MB), the best of the sizes tried on
    /// hamiltonian-74 (4 MB chunks make GEMMs too small for two threads; one whole-batch matrix,
    /// or 32 MB chunks, miss the cache): about 1.5× faster steps than either.
    static var chunkElements: Int { 1 << 21 }

    /// Ranges of images whose im2col matrix has at most `limit` elements (at least one image).
    static func chunks(_ x: Tensor<Scalar>, limit: Int = chunkElements) -> [Range<Int>] {
        let perImage = x.planeSize * x.channels * 9
        let size = max(1, limit / max(1, perImage))
        return stride(from: 0, to: x.batch, by: size).map { $0..<min(x.batch, $0 + size) }
    }

    /// Y (P × Cout, column-major = channel-major tensor) ← α·im2col(x)·W + β·Y.
    static func convolve(_ x: Tensor<Scalar>, weights: [Scalar], outputChannels: Int, into y: inout Tensor<Scalar>,
                         alpha: Scalar = 1, beta: Scalar = 0, scratch: Scratch<Scalar>) {
        if DirectConvolution.suitsForward(Scalar.self, outputChannels: outputChannels) {
            DirectConvolution.forward(x, weights: weights, outputChannels: outputChannels, into: &y, alpha: alpha, beta: beta,
                                      context: scratch.context)
        } else {
            convolveByGEMM(x, weights: weights, outputChannels: outputChannels, into: &y, alpha: alpha, beta: beta, scratch: scratch)
        }
    }

    /// The im2col + GEMM path of `convolve`, in chunks of at most `chunkLimit` im2col elements.
    static func convolveByGEMM(_ x: Tensor<Scalar>, weights: [Scalar], outputChannels: Int, into y: inout Tensor<Scalar>,
                               alpha: Scalar = 1, beta: Scalar = 0, scratch: Scratch<Scalar>, chunkLimit: Int = chunkElements) {
        let p = x.channelSize, k = x.channels * 9, plane = x.planeSize
        for images in chunks(x, limit: chunkLimit) {
            let rows = images.count * plane
            im2col(x, images: images, into: &scratch.columns)
            scratch.columns.withUnsafeBufferPointer { cols in
                weights.withUnsafeBufferPointer { w in
                    y.data.withUnsafeMutableBufferPointer { y in
                        Workers.exclusiveBLAS {
                            Scalar.gemm(transposeA: false, transposeB: false, m: Int32(rows), n: Int32(outputChannels), k: Int32(k),
                                        alpha: alpha, a: cols.baseAddress!, lda: Int32(rows), b: w.baseAddress!, ldb: Int32(k),
                                        beta: beta, c: y.baseAddress! + images.lowerBound * plane, ldc: Int32(p))
                        }
                    }
                }
            }
        }
    }

    /// im2col for a 3×3 "same" convolution of `images`: column k = (c·3 + dy)·3 + dx of the
    /// rows×(C·9) column-major result (rows = images·H·W) is channel c of those images shifted by
    /// (dy − 1, dx − 1), zero outside the image.
    static func im2col(_ x: Tensor<Scalar>, images: Range<Int>, into columns: inout [Scalar]) {
        let h = x.height, w = x.width, plane = x.planeSize, rows = images.count * plane
        Scratch.reserve(&columns, rows * x.channels * 9)
        columns.withUnsafeMutableBufferPointer { cols in
            x.data.withUnsafeBufferPointer { src in
                for c in 0..<x.channels {
                    for dy in 0..<3 {
                        for dx in 0..<3 {
                            let out = cols.baseAddress! + ((c * 3 + dy) * 3 + dx) * rows
                            let shiftX = dx - 1
                            let x0 = max(0, -shiftX), x1 = min(w, w - shiftX)  // valid output columns
                            for (k, n) in images.enumerated() {
                                let inPlane = src.baseAddress! + (c * x.batch + n) * plane
                                let outPlane = out + k * plane
                                for y in 0..<h {
                                    let row = outPlane + y * w
                                    let sy = y + dy - 1
                                    if sy < 0 || sy >= h {
                                        row.update(repeating: 0, count: w)
                                        continue
                                    }
                                    if x0 > 0 { row.update(repeating: 0, count: x0) }
                                    if x1 < w { (row + x1).update(repeating: 0, count: w - x1) }
                                    (row + x0).update(from: inPlane + sy * w + x0 + shiftX, count: x1 - x0)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
