import LinearAlgebra

/// One layer's parameters: a 3×3 convolution K and a bias b per output channel (none when a
/// batch norm's β follows in its place).
public struct ConvLayer<Scalar: BLASScalar>: Sendable, Equatable {
    public var conv: Convolution3x3<Scalar>
    public var bias: [Scalar]

    public init(conv: Convolution3x3<Scalar>, bias: [Scalar]) {
        precondition(bias.isEmpty || bias.count == conv.outputChannels, "ConvLayer: \(bias.count) biases for \(conv.outputChannels) channels")
        self.conv = conv
        self.bias = bias
    }

    /// He-initialised weights (scaled by `gain`), zero bias.
    public init<G: RandomNumberGenerator>(inputChannels: Int, outputChannels: Int, gain: Scalar = 1, using g: inout G) {
        self.init(conv: Convolution3x3(inputChannels: inputChannels, outputChannels: outputChannels, gain: gain, using: &g),
                  bias: [Scalar](repeating: 0, count: outputChannels))
    }

    /// y ← σ(K x + b), or K x + b when σ is nil.
    func apply(_ x: Tensor<Scalar>, activating sigma: Activation?, into y: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        conv.apply(x, into: &y, scratch: scratch)
        Elementwise.addBias(bias, to: &y, activating: sigma)
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
    static let activated = 0, projected = 1, secondActivated = 2, convolved = 3, preGradient = 4
}
