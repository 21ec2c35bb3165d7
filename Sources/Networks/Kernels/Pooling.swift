import Integrators
import LinearAlgebra

/// The stage transition of the paper's networks: 2×2 average pooling of every part of the
/// state, then zero-padding of its channels (He et al. 2016's "option A" shortcut; Chang et
/// al. 2018, §4), and its adjoint for backpropagation.
public enum Downsampling {
    /// Average-pools 2×2 (H and W must be even) and pads with zero channels up to `channels`.
    public static func apply<T: BLASScalar>(_ x: Tensor<T>, channels: Int) -> Tensor<T> {
        precondition(x.height % 2 == 0 && x.width % 2 == 0, "Downsampling: \(x.height)×\(x.width) is not even")
        precondition(channels >= x.channels, "Downsampling: cannot pad \(x.channels) channels down to \(channels)")
        let h = x.height / 2, w = x.width / 2
        var y = Tensor<T>(channels: channels, batch: x.batch, height: h, width: w)
        for c in 0..<x.channels {
            for n in 0..<x.batch {
                let src = (c * x.batch + n) * x.planeSize, dst = (c * x.batch + n) * h * w
                for i in 0..<h {
                    for j in 0..<w {
                        let a = src + 2 * i * x.width + 2 * j
                        y.data[dst + i * w + j] = (x.data[a] + x.data[a + 1] + x.data[a + x.width] + x.data[a + x.width + 1]) / 4
                    }
                }
            }
        }
        return y
    }

    /// The adjoint: drops the padded channels and spreads each value/4 over its 2×2 window.
    public static func adjoint<T: BLASScalar>(_ dy: Tensor<T>, channels: Int, height: Int, width: Int) -> Tensor<T> {
        var dx = Tensor<T>(channels: channels, batch: dy.batch, height: height, width: width)
        let h = dy.height, w = dy.width
        for c in 0..<channels {
            for n in 0..<dy.batch {
                let src = (c * dy.batch + n) * h * w, dst = (c * dy.batch + n) * height * width
                for i in 0..<h {
                    for j in 0..<w {
                        let v = dy.data[src + i * w + j] / 4, a = dst + 2 * i * width + 2 * j
                        dx.data[a] = v
                        dx.data[a + 1] = v
                        dx.data[a + width] = v
                        dx.data[a + width + 1] = v
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
    /// y[c, n, i, j] = x[c, n, 2i, 2j] (H and W even).
    public static func apply<T: BLASScalar>(_ x: Tensor<T>, into y: inout Tensor<T>) {
        precondition(x.height % 2 == 0 && x.width % 2 == 0 && y.height * 2 == x.height && y.width * 2 == x.width
                     && y.channels == x.channels && y.batch == x.batch, "Subsampling: shapes do not match")
        let h = y.height, w = y.width
        for m in 0..<(x.channels * x.batch) {
            let src = m * x.planeSize, dst = m * h * w
            for i in 0..<h { for j in 0..<w { y.data[dst + i * w + j] = x.data[src + 2 * i * x.width + 2 * j] } }
        }
    }

    /// The adjoint: x ← 0 except x[c, n, 2i, 2j] = y[c, n, i, j].
    public static func adjoint<T: BLASScalar>(_ y: Tensor<T>, into x: inout Tensor<T>) {
        precondition(y.height * 2 == x.height && y.width * 2 == x.width && y.channels == x.channels && y.batch == x.batch,
                     "Subsampling: shapes do not match")
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
