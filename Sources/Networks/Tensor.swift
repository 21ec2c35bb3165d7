import Integrators
import LinearAlgebra

/// A batch of feature maps, stored channel-major: element (c, n, y, x) at
/// `((c·N + n)·H + y)·W + x`.
///
/// Why not NCHW, the usual layout: with each channel's planes for the whole batch contiguous,
/// a 3×3 convolution over the whole mini-batch is one GEMM whose output is already in this
/// layout (no per-image GEMMs, no transposes), and the channel halves (Y, Z) of the
/// Hamiltonian block are contiguous ranges. Images enter in NCHW and are reordered once.
public struct Tensor<Scalar: BLASScalar>: VectorSpace, CoordinateState, Equatable, Sendable {
    public private(set) var channels: Int
    public private(set) var batch: Int
    public private(set) var height: Int
    public private(set) var width: Int
    /// The values, channel-major (see above).
    public var data: [Scalar]

    /// A zero tensor.
    public init(channels: Int, batch: Int, height: Int, width: Int) {
        precondition(channels >= 0 && batch >= 0 && height >= 0 && width >= 0, "Tensor: negative dimension")
        self.channels = channels
        self.batch = batch
        self.height = height
        self.width = width
        data = [Scalar](repeating: 0, count: channels * batch * height * width)
    }

    /// A tensor over channel-major `data`.
    public init(channels: Int, batch: Int, height: Int, width: Int, data: [Scalar]) {
        precondition(data.count == channels * batch * height * width,
                     "Tensor: \(data.count) values cannot fill \(channels)×\(batch)×\(height)×\(width)")
        self.channels = channels
        self.batch = batch
        self.height = height
        self.width = width
        self.data = data
    }

    /// A tensor from images in NCHW order (as datasets and NumPy store them).
    public init(nchw values: [Scalar], batch: Int, channels: Int, height: Int, width: Int) {
        precondition(values.count == batch * channels * height * width, "Tensor: NCHW size mismatch")
        self.init(channels: channels, batch: batch, height: height, width: width)
        let plane = height * width
        for n in 0..<batch {
            for c in 0..<channels {
                let src = (n * channels + c) * plane, dst = (c * batch + n) * plane
                for i in 0..<plane { data[dst + i] = values[src + i] }
            }
        }
    }

    /// Elements per channel: N·H·W.
    @inlinable public var channelSize: Int { batch * height * width }
    /// H·W.
    @inlinable public var planeSize: Int { height * width }

    /// Whether two tensors have the same dimensions.
    @inlinable
    public func hasSameShape(as o: Tensor) -> Bool {
        channels == o.channels && batch == o.batch && height == o.height && width == o.width
    }

    // MARK: VectorSpace

    /// A plain loop rather than BLAS `?axpy`: the operation is memory-bound, and waking
    /// OpenBLAS's thread pool for it left its threads spinning against the convolution workers
    /// (measured: 12% of a training step in the scheduler).
    @inlinable
    public mutating func axpy(_ a: Scalar, _ x: Tensor) {
        precondition(hasSameShape(as: x), "Tensor.axpy: shapes differ")
        data.withUnsafeMutableBufferPointer { y in
            x.data.withUnsafeBufferPointer { x in
                for i in y.indices { y[i] += a * x[i] }
            }
        }
    }

    @inlinable
    public mutating func scale(by a: Scalar) {
        data.withUnsafeMutableBufferPointer { y in for i in y.indices { y[i] *= a } }
    }

    @inlinable
    public mutating func assign(_ x: Tensor) {
        if !hasSameShape(as: x) { self = x; return }
        data.withUnsafeMutableBufferPointer { y in
            x.data.withUnsafeBufferPointer { x in y.baseAddress!.update(from: x.baseAddress!, count: x.count) }
        }
    }

    @inlinable
    public var squaredNorm: Scalar {
        data.withUnsafeBufferPointer { x in Scalar.dot(n: Int32(x.count), x: x.baseAddress!, incx: 1, y: x.baseAddress!, incy: 1) }
    }

    @inlinable public var isFinite: Bool { data.allSatisfy(\.isFinite) }

    // MARK: CoordinateState

    public var coordinates: [Scalar] { data }

    /// A single-image, single-row tensor over `coordinates` (shape information is lost; use
    /// `setCoordinates` to refill a tensor of known shape).
    public init(coordinates: [Scalar]) { self.init(channels: 1, batch: 1, height: 1, width: coordinates.count, data: coordinates) }

    @inlinable public var coordinateCount: Int { data.count }

    @inlinable
    public func copyCoordinates(to buffer: UnsafeMutablePointer<Scalar>) {
        data.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: $0.count) }
    }

    @inlinable
    public mutating func setCoordinates(from buffer: UnsafePointer<Scalar>) {
        data.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: buffer, count: $0.count) }
    }

    // MARK: Channels

    /// Channels [start, start + count) as a new tensor.
    public func channels(_ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= channels, "Tensor: channel range \(range) outside 0..<\(channels)")
        let size = channelSize
        return Tensor(channels: range.count, batch: batch, height: height, width: width,
                      data: Array(data[(range.lowerBound * size)..<(range.upperBound * size)]))
    }

    /// The channels of `a` followed by those of `b`.
    public static func concatenatingChannels(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.batch == b.batch && a.height == b.height && a.width == b.width, "Tensor: cannot concatenate")
        return Tensor(channels: a.channels + b.channels, batch: a.batch, height: a.height, width: a.width, data: a.data + b.data)
    }

    // MARK: Images

    /// Images `range` of every channel, as a tensor of `range.count` images.
    public func images(_ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= batch, "Tensor: image range \(range) outside 0..<\(batch)")
        var out = Tensor(channels: channels, batch: range.count, height: height, width: width)
        let plane = planeSize, size = out.channelSize
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    (dst.baseAddress! + c * size).update(from: src.baseAddress! + (c * batch + range.lowerBound) * plane, count: size)
                }
            }
        }
        return out
    }

    /// The images of `parts`, in order, as one batch (inverse of `images(_:)` over a partition).
    public static func concatenatingImages(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { preconditionFailure("Tensor: no images to concatenate") }
        precondition(parts.allSatisfy { $0.channels == first.channels && $0.height == first.height && $0.width == first.width },
                     "Tensor: cannot concatenate images of different shapes")
        var out = Tensor(channels: first.channels, batch: parts.reduce(0) { $0 + $1.batch }, height: first.height, width: first.width)
        let size = out.channelSize
        out.data.withUnsafeMutableBufferPointer { dst in
            var offset = 0
            for t in parts {
                t.data.withUnsafeBufferPointer { src in
                    for c in 0..<first.channels {
                        (dst.baseAddress! + c * size + offset).update(from: src.baseAddress! + c * t.channelSize, count: t.channelSize)
                    }
                }
                offset += t.channelSize
            }
        }
        return out
    }
}
