import LinearAlgebra

/// The two-layer residual function f(x) = K₂σ(K₁x + b₁) + b₂ of ResNet and RevNet blocks
/// (He et al., CVPR 2016; Gomez et al., NeurIPS 2017), without batch norm.
public struct ResidualLayer<Scalar: BLASScalar>: Sendable, Equatable {
    public var first: ConvLayer<Scalar>
    public var second: ConvLayer<Scalar>
    public var activation: Activation

    public init(first: ConvLayer<Scalar>, second: ConvLayer<Scalar>, activation: Activation) {
        precondition(first.conv.outputChannels == second.conv.inputChannels, "ResidualLayer: widths do not chain")
        self.first = first
        self.second = second
        self.activation = activation
    }

    /// out ← K₂σ(K₁x + b₁) + b₂.
    public func evaluate(_ x: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        var s = scratch.take(Slot.activated, channels: first.conv.outputChannels, like: x)
        first.apply(x, activating: activation, into: &s, scratch: scratch)
        second.apply(s, activating: nil, into: &out, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// dx += scale·K₁ᵀDK₂ᵀu and the gradients of both layers.
    public func pullback(at x: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar, input dx: inout Tensor<Scalar>,
                         gradient g: inout LayerPairGradient<Scalar>, scratch: Scratch<Scalar>) {
        var s = scratch.take(Slot.activated, channels: first.conv.outputChannels, like: x)
        first.apply(x, activating: activation, into: &s, scratch: scratch)
        pullback(at: x, activated: s, cotangent: u, scale: scale, input: &dx, gradient: &g, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// `evaluate` and `pullback` at the same x, with σ(K₁x + b₁) computed once.
    public func evaluateWithPullback(at x: Tensor<Scalar>, into out: inout Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                                     input dx: inout Tensor<Scalar>, gradient g: inout LayerPairGradient<Scalar>, scratch: Scratch<Scalar>) {
        var s = scratch.take(Slot.activated, channels: first.conv.outputChannels, like: x)
        first.apply(x, activating: activation, into: &s, scratch: scratch)
        second.apply(s, activating: nil, into: &out, scratch: scratch)
        pullback(at: x, activated: s, cotangent: u, scale: scale, input: &dx, gradient: &g, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// The pullback given s = σ(K₁x + b₁).
    private func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
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
