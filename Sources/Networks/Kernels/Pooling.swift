import Integrators
import LinearAlgebra

/// The stage transition of the paper's networks: 2×2 average pooling of every part of the
/// state, then zero-padding of its channels (He et al. 2016's "option A" shortcut; Chang et
/// al. 2018, §4), and its adjoint for backpropagation.
///
/// An odd side pools to ⌈n/2⌉: the last window is cut by the border and averages the pixels
/// it covers (PyTorch's `ceil_mode=True` without counting padding), so a constant map stays
/// constant and every size works.
public enum Downsampling {
    /// ⌈n/2⌉.
    @inlinable public static func half(_ n: Int) -> Int { (n + 1) / 2 }

    /// Average-pools 2×2 and pads with zero channels up to `channels`.
    public static func apply<T: BLASScalar>(_ x: Tensor<T>, channels: Int) -> Tensor<T> {
        precondition(channels >= x.channels, "Downsampling: cannot pad \(x.channels) channels down to \(channels)")
        let h = half(x.height), w = half(x.width)
        var y = Tensor<T>(channels: channels, batch: x.batch, height: h, width: w)
        for c in 0..<x.channels {
            for n in 0..<x.batch {
                let src = (c * x.batch + n) * x.planeSize, dst = (c * x.batch + n) * h * w
                for i in 0..<h {
                    let rows = min(2, x.height - 2 * i)
                    for j in 0..<w {
                        let columns = min(2, x.width - 2 * j)
                        var sum: T = 0
                        for r in 0..<rows { for q in 0..<columns { sum += x.data[src + (2 * i + r) * x.width + 2 * j + q] } }
                        y.data[dst + i * w + j] = sum / T(rows * columns)
                    }
                }
            }
        }
        return y
    }

    /// The adjoint: drops the padded channels and spreads each value evenly over the pixels of
    /// its window.
    public static func adjoint<T: BLASScalar>(_ dy: Tensor<T>, channels: Int, height: Int, width: Int) -> Tensor<T> {
        precondition(dy.height == half(height) && dy.width == half(width), "Downsampling.adjoint: shapes do not match")
        var dx = Tensor<T>(channels: channels, batch: dy.batch, height: height, width: width)
        let h = dy.height, w = dy.width
        for c in 0..<channels {
            for n in 0..<dy.batch {
                let src = (c * dy.batch + n) * h * w, dst = (c * dy.batch + n) * height * width
                for i in 0..<h {
                    let rows = min(2, height - 2 * i)
                    for j in 0..<w {
                        let columns = min(2, width - 2 * j)
                        let v = dy.data[src + i * w + j] / T(rows * columns)
                        for r in 0..<rows { for q in 0..<columns { dx.data[dst + (2 * i + r) * width + 2 * j + q] = v } }
                    }
                }
            }
        }
        return dx
    }
}

/// Stride 2 as a strided convolution takes it: the even rows and columns of a full-resolution
/// "same" convolution (PyTorch's stride-2, padding-1 convention: output (i, j) is centred on
/// input (2i, 2j)), and the adjoint that puts values back at those positions.
public enum Subsampling {
    /// y[c, n, i, j] = x[c, n, 2i, 2j]: ⌈H/2⌉ × ⌈W/2⌉ values, as the pooled shortcut beside it.
    public static func apply<T: BLASScalar>(_ x: Tensor<T>, into y: inout Tensor<T>) {
        precondition(y.height == Downsampling.half(x.height) && y.width == Downsampling.half(x.width)
                     && y.channels == x.channels && y.batch == x.batch, "Subsampling: shapes do not match")
        let h = y.height, w = y.width
        for m in 0..<(x.channels * x.batch) {
            let src = m * x.planeSize, dst = m * h * w
            for i in 0..<h { for j in 0..<w { y.data[dst + i * w + j] = x.data[src + 2 * i * x.width + 2 * j] } }
        }
    }

    /// The adjoint: x ← 0 except x[c, n, 2i, 2j] = y[c, n, i, j].
    public static func adjoint<T: BLASScalar>(_ y: Tensor<T>, into x: inout Tensor<T>) {
        precondition(y.height == Downsampling.half(x.height) && y.width == Downsampling.half(x.width) && y.channels == x.channels
                     && y.batch == x.batch, "Subsampling: shapes do not match")
        let h = y.height, w = y.width
        x.scale(by: 0)
        for m in 0..<(x.channels * x.batch) {
            let src = m * h * w, dst = m * x.planeSize
            for i in 0..<h { for j in 0..<w { x.data[dst + 2 * i * x.width + 2 * j] = y.data[src + i * w + j] } }
        }
    }
}

/// A block state built of tensors — a tensor, its halves (Y, Z), or the pair (y₋₁, y₀) of a
/// two-step method — to which a per-tensor linear map (the stage transition) applies part by part.
public protocol TensorStructured {
    associatedtype Scalar: BLASScalar
    func mapTensors(_ f: (Tensor<Scalar>) -> Tensor<Scalar>) -> Self
}

extension Tensor: TensorStructured {
    public func mapTensors(_ f: (Tensor<Scalar>) -> Tensor<Scalar>) -> Tensor<Scalar> { f(self) }
}

extension PartitionedState: TensorStructured where Part: TensorStructured {
    public typealias Scalar = Part.Scalar
    public func mapTensors(_ f: (Tensor<Part.Scalar>) -> Tensor<Part.Scalar>) -> PartitionedState<Part> {
        PartitionedState(q: q.mapTensors(f), p: p.mapTensors(f))
    }
}

extension TwoStepState: TensorStructured where Part: TensorStructured {
    public typealias Scalar = Part.Scalar
    public func mapTensors(_ f: (Tensor<Part.Scalar>) -> Tensor<Part.Scalar>) -> TwoStepState<Part> {
        TwoStepState(previous: previous.mapTensors(f), current: current.mapTensors(f))
    }
}
