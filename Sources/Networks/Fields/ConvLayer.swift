import LinearAlgebra

/// One layer's parameters: a 3×3 convolution K and a bias b per output channel.
public struct ConvLayer<Scalar: BLASScalar>: Sendable, Equatable {
    public var conv: Convolution3x3<Scalar>
    public var bias: [Scalar]

    public init(conv: Convolution3x3<Scalar>, bias: [Scalar]) {
        precondition(bias.count == conv.outputChannels, "ConvLayer: \(bias.count) biases for \(conv.outputChannels) channels")
        self.conv = conv
        self.bias = bias
    }

    /// He-initialised weights (scaled by `gain`), zero bias.
    public init<G: RandomNumberGenerator>(inputChannels: Int, outputChannels: Int, gain: Scalar = 1, using g: inout G) {
        self.init(conv: Convolution3x3(inputChannels: inputChannels, outputChannels: outputChannels, gain: gain, using: &g),
                  bias: [Scalar](repeating: 0, count: outputChannels))
    }

    /// a ← K x + b.
    func preActivation(_ x: Tensor<Scalar>, into a: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        conv.apply(x, into: &a, scratch: scratch)
        Elementwise.addBias(bias, to: &a)
    }
}

/// The gradient of a `ConvLayer` (same shapes).
public struct ConvLayerGradient<Scalar: BLASScalar>: Sendable, Equatable {
    public var weights: [Scalar]
    public var bias: [Scalar]

    /// A zero gradient for `layer`.
    public init(zeroFor layer: ConvLayer<Scalar>) {
        weights = [Scalar](repeating: 0, count: layer.conv.weights.count)
        bias = [Scalar](repeating: 0, count: layer.bias.count)
    }
}

/// The named scratch tensors of the layer kernels (one layer call at a time uses them).
enum Slot {
    static let preActivation = 0, activated = 1, projected = 2, transposed = 3, second = 4
}
