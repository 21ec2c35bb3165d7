import CKernels
import Dispatch
import LinearAlgebra

/// The AVX-512 direct 3×3 convolution kernels of `CKernels`, for Float tensors whose channel
/// counts suit them, run on the context's worker threads (each takes whole images), or on the
/// calling thread inside a task of `Workers.forEachIndex`.
///
/// Why not BLAS, which does the other heavy work of this package: for 8–64 output channels the im2col
/// GEMM is thin and memory-bound (see `Convolution3x3.chunkElements`); a register-blocked direct
/// kernel does the same arithmetic without materialising or packing the 9× larger im2col matrix.
/// Everything else (and every Double convolution) stays on im2col + GEMM.
///
/// Forward passes and weight gradients on planes of even height and width 8, 16, 32 or any even
/// width ≥ 24 (every stage of the CIFAR- and STL-10-sized networks) use Winograd's F(2×2, 3×3)
/// instead of the direct sum (Lavin & Gray 2016) unless the context says `.direct`: 16
/// multiplies per 2×2 output tile instead of 36 (the gradient needs channel counts that are
/// multiples of 4). Its rounding differs from the direct sum's by a few units in the last place
/// (measured: ≤ 1e-6 relative at 16–56 channels; `KernelTests`). `bench` still counts the direct
/// algorithm's FLOPs as useful work, the usual convention for such "effective" rates.
enum DirectConvolution {
    /// Whether this CPU runs the kernels (AVX-512F), checked once.
    static let available = dyn_direct_conv_available() != 0

    /// Whether a Float convolution with these output channels can use the forward kernel.
    static func suitsForward<T>(_: T.Type, outputChannels: Int) -> Bool {
        available && T.self == Float.self && outputChannels % 8 == 0
    }

    /// Whether the weight-gradient kernel applies.
    static func suitsGradient<T>(_: T.Type, outputChannels: Int) -> Bool {
        available && T.self == Float.self && outputChannels % 2 == 0
    }

    struct Pointers: @unchecked Sendable {
        let x: UnsafePointer<Float>
        let weights: UnsafePointer<Float>
        let out: UnsafeMutablePointer<Float>
    }

    /// Whether the forward pass on h×w planes takes Winograd's algorithm.
    static func usesWinograd(height: Int, width: Int, _ context: ComputeContext) -> Bool {
        context.convolution == .winograd && dyn_winograd_suits(Int32(height), Int32(width)) != 0
    }

    /// Whether the weight gradient of a convolution from `x` to `g` takes Winograd's algorithm
    /// (its reduction blocks 4 input × 4 output channels).
    static func usesWinogradGradient<T>(_ x: Tensor<T>, _ g: Tensor<T>, _ context: ComputeContext) -> Bool {
        context.convolution == .winograd
            && dyn_winograd_gradient_suits(Int32(x.height), Int32(x.width), Int32(x.channels), Int32(g.channels)) != 0
    }

    /// Images split into one contiguous range per worker (one range inside a task).
    static func ranges(_ batch: Int, _ context: ComputeContext) -> [Range<Int>] {
        let workers = max(1, min(Workers.insideTask ? 1 : context.threads, batch))
        return (0..<workers).map { k in (batch * k / workers)..<(batch * (k + 1) / workers) }
    }

    /// y ← α·K x + β·y with weights `w` (Cin·9 × Cout column-major); `T` must be Float.
    static func forward<T: BLASScalar>(_ x: Tensor<T>, weights: [T], outputChannels: Int, into y: inout Tensor<T>, alpha: T, beta: T,
                                       context: ComputeContext) {
        x.data.withUnsafeBufferPointer { xs in
            weights.withUnsafeBufferPointer { ws in
                y.data.withUnsafeMutableBufferPointer { ys in
                    let p = Pointers(x: UnsafeRawPointer(xs.baseAddress!).assumingMemoryBound(to: Float.self),
                                     weights: UnsafeRawPointer(ws.baseAddress!).assumingMemoryBound(to: Float.self),
                                     out: UnsafeMutableRawPointer(ys.baseAddress!).assumingMemoryBound(to: Float.self))
                    let parts = ranges(x.batch, context)
                    let (cin, batch, h, w) = (Int32(x.channels), Int32(x.batch), Int32(x.height), Int32(x.width))
                    let (alpha, beta) = (Float(alpha), Float(beta))
                    let kernel = usesWinograd(height: x.height, width: x.width, context) ? dyn_conv3x3_forward_winograd : dyn_conv3x3_forward
                    DispatchQueue.concurrentPerform(iterations: parts.count) { k in
                        kernel(p.x, cin, batch, Int32(parts[k].lowerBound), Int32(parts[k].count), h, w,
                               p.weights, Int32(outputChannels), alpha, beta, p.out)
                    }
                }
            }
        }
    }

    /// dW += scale·∂⟨g, K x⟩/∂K; `T` must be Float. Each worker sums its images into its own
    /// buffer, then the buffers are added.
    static func weightGradient<T: BLASScalar>(input x: Tensor<T>, outputGradient g: Tensor<T>, scale: T, into dW: inout [T],
                                              context: ComputeContext) {
        let parts = ranges(x.batch, context)
        var partial = [Float](repeating: 0, count: parts.count * dW.count)
        let size = dW.count
        x.data.withUnsafeBufferPointer { xs in
            g.data.withUnsafeBufferPointer { gs in
                partial.withUnsafeMutableBufferPointer { ps in
                    let p = Pointers(x: UnsafeRawPointer(xs.baseAddress!).assumingMemoryBound(to: Float.self),
                                     weights: UnsafeRawPointer(gs.baseAddress!).assumingMemoryBound(to: Float.self),
                                     out: ps.baseAddress!)
                    let (cin, batch, h, w) = (Int32(x.channels), Int32(x.batch), Int32(x.height), Int32(x.width))
                    let kernel = usesWinogradGradient(x, g, context) ? dyn_conv3x3_weight_gradient_winograd : dyn_conv3x3_weight_gradient
                    DispatchQueue.concurrentPerform(iterations: parts.count) { k in
                        kernel(p.x, cin, batch, Int32(parts[k].lowerBound), Int32(parts[k].count), h, w,
                               p.weights, Int32(g.channels), Float(scale), p.out + k * size)
                    }
                }
            }
        }
        for k in 0..<parts.count {
            for i in 0..<size { dW[i] += T(partial[k * size + i]) }
        }
    }
}
