import LinearAlgebra

/// The two-layer residual function f(x) = K₂σ(K₁x + b₁) + b₂ of ResNet and RevNet blocks
/// (He et al., CVPR 2016; Gomez et al., NeurIPS 2017), without batch norm.
public struct ResidualLayer<Scalar: BLASScalar>: ActivatedLayer, Sendable, Equatable {
    public var first: ConvLayer<Scalar>
    public var second: ConvLayer<Scalar>
    public var activation: Activation

    public init(first: ConvLayer<Scalar>, second: ConvLayer<Scalar>, activation: Activation) {
        precondition(first.conv.outputChannels == second.conv.inputChannels, "ResidualLayer: widths do not chain")
        self.first = first
        self.second = second
        self.activation = activation
    }

    public var hiddenChannels: Int { first.conv.outputChannels }

    public func zeroGradient() -> LayerPairGradient<Scalar> {
        LayerPairGradient(first: ConvLayerGradient(zeroFor: first), second: ConvLayerGradient(zeroFor: second))
    }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.first) + paths(of: \.second) }

    /// s ← σ(K₁x + b₁).
    public func activations(_ x: Tensor<Scalar>, into s: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        first.apply(x, activating: activation, into: &s, scratch: scratch)
    }

    /// out ← K₂s + b₂.
    public func value(activated s: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        second.apply(s, activating: nil, into: &out, scratch: scratch)
    }

    /// dx += scale·K₁ᵀDK₂ᵀu and the gradients of both layers, given s = σ(K₁x + b₁).
    public func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                         input dx: inout Tensor<Scalar>, gradient g: inout LayerPairGradient<Scalar>, scratch: Scratch<Scalar>) {
        var v = scratch.take(Slot.projected, channels: first.conv.outputChannels, like: x)
        second.conv.accumulateWeightGradient(input: s, outputGradient: u, scale: scale, into: &g.second.weights, scratch: scratch)
        Elementwise.accumulateChannelSums(u, scale: scale, into: &g.second.bias)
        second.conv.applyTranspose(u, into: &v, scratch: scratch)
        Elementwise.multiplyByDerivative(&v, activation, activated: s)
        first.conv.accumulateWeightGradient(input: x, outputGradient: v, scale: scale, into: &g.first.weights, scratch: scratch)
        Elementwise.accumulateChannelSums(v, scale: scale, into: &g.first.bias)
        first.conv.applyTranspose(v, into: &dx, scale: scale, adding: true, scratch: scratch)
        scratch.recycle(Slot.projected, v)
    }
}
