import LinearAlgebra

/// The two-layer residual function of ResNet and RevNet blocks (He et al., CVPR 2016; Gomez et
/// al., NeurIPS 2017): f(x) = K₂σ(K₁x + b₁) + b₂, or with batch norm the pre-activation form of
/// the authors' code (He et al., ECCV 2016), f(x) = K₂σ(BN₂(K₁·σ(BN₁x))), no biases.
public struct ResidualLayer<Scalar: BLASScalar>: ActivatedLayer, Sendable, Equatable {
    /// K₁ (with b₁, or the batch norms) and σ.
    public var hidden: HiddenLayer<Scalar>
    /// K₂ and b₂ (b₂ empty when normalised).
    public var second: ConvLayer<Scalar>

    public init(hidden: HiddenLayer<Scalar>, second: ConvLayer<Scalar>) {
        precondition(hidden.hiddenChannels == second.conv.inputChannels, "ResidualLayer: widths do not chain")
        self.hidden = hidden
        self.second = second
    }

    /// Fresh layers on `channels` channels: the second convolution scaled by 0.1 without batch
    /// norm (a small residual at initialisation, which keeps deep BN-free stacks trainable), as
    /// initialised by He et al. with it.
    public init(channels: Int, activation: Activation, normalization: Normalization, using g: inout SeededGenerator) {
        self.init(inputChannels: channels, outputChannels: channels, stride: 1, activation: activation, normalization: normalization, using: &g)
    }

    /// A residual function from `inputChannels` to `outputChannels`, its first convolution at
    /// `stride` (2 in a stage transition's `DownsamplingUnit`).
    public init(inputChannels: Int, outputChannels: Int, stride: Int, activation: Activation, normalization: Normalization,
                using g: inout SeededGenerator) {
        var hidden = HiddenLayer<Scalar>(inputChannels: inputChannels, outputChannels: outputChannels, normalization: normalization,
                                         activation: activation, using: &g)
        hidden.stride = stride
        let conv = Convolution3x3<Scalar>(inputChannels: outputChannels, outputChannels: outputChannels,
                                          gain: normalization == .batch ? 1 : 0.1, using: &g)
        self.init(hidden: hidden, second: ConvLayer(conv: conv, bias: normalization == .batch ? [] : [Scalar](repeating: 0, count: outputChannels)))
    }

    public var hiddenChannels: Int { hidden.hiddenChannels }
    public var hiddenStride: Int { hidden.stride }

    public func zeroGradient() -> ParameterPair<HiddenGradient<Scalar>, ConvLayerGradient<Scalar>> {
        ParameterPair(first: hidden.zeroGradient(), second: ConvLayerGradient(zeroFor: second))
    }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.hidden) + paths(of: \.second) }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { weightPaths(of: \.hidden) + weightPaths(of: \.second) }
    public static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] {
        let hidden: WritableKeyPath<Self, HiddenLayer<Scalar>> = \.hidden
        return HiddenLayer<Scalar>.normalizationPaths.map { hidden.appending(path: $0) }
    }

    /// s ← σ(K₁x + b₁) (or its normalised form).
    public func activations(_ x: Tensor<Scalar>, into s: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        hidden.activations(x, into: &s, scratch: scratch)
    }

    /// out ← K₂s + b₂.
    public func value(activated s: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        second.conv.apply(s, into: &out, scratch: scratch)
        if !second.bias.isEmpty { Elementwise.addBias(second.bias, to: &out) }
    }

    /// The gradients of K₂, b₂ from u, then ∂L/∂s = K₂ᵀu through the hidden layer.
    public func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                         input dx: inout Tensor<Scalar>, gradient g: inout ParameterPair<HiddenGradient<Scalar>, ConvLayerGradient<Scalar>>,
                         scratch: Scratch<Scalar>) {
        var v = scratch.take(Slot.projected, channels: hiddenChannels, like: s)
        second.conv.accumulateWeightGradient(input: s, outputGradient: u, scale: scale, into: &g.second.weights, scratch: scratch)
        if !second.bias.isEmpty { Elementwise.accumulateChannelSums(u, scale: scale, into: &g.second.bias) }
        second.conv.applyTranspose(u, into: &v, scratch: scratch)
        hidden.pullback(at: x, activated: s, hiddenCotangent: &v, scale: scale, input: &dx, gradient: &g.first, scratch: scratch)
        scratch.recycle(Slot.projected, v)
    }
}

/// The gradient of a `ResidualLayer`.
public typealias ResidualGradient<Scalar: BLASScalar> = ParameterPair<HiddenGradient<Scalar>, ConvLayerGradient<Scalar>>
