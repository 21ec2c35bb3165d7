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
        let hidden = first.conv.outputChannels
        var a = scratch.take(Slot.preActivation, channels: hidden, like: x)
        var s = scratch.take(Slot.activated, channels: hidden, like: x)
        first.preActivation(x, into: &a, scratch: scratch)
        Elementwise.activate(a, activation, into: &s)
        second.preActivation(s, into: &out, scratch: scratch)
        scratch.recycle(Slot.preActivation, a)
        scratch.recycle(Slot.activated, s)
    }

    /// dx += scale·K₁ᵀDK₂ᵀu and the gradients of both layers.
    public func pullback(at x: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar, input dx: inout Tensor<Scalar>,
                         gradient g: inout LayerPairGradient<Scalar>,
                         scratch: Scratch<Scalar>) {
        let hidden = first.conv.outputChannels
        var a = scratch.take(Slot.preActivation, channels: hidden, like: x)
        var s = scratch.take(Slot.activated, channels: hidden, like: x)
        var v = scratch.take(Slot.projected, channels: hidden, like: x)
        var t = scratch.take(Slot.transposed, channels: x.channels, like: x)
        first.preActivation(x, into: &a, scratch: scratch)
        Elementwise.activate(a, activation, into: &s)
        second.conv.accumulateWeightGradient(input: s, outputGradient: u, scale: scale, into: &g.second.weights, scratch: scratch)
        Elementwise.accumulateChannelSums(u, scale: scale, into: &g.second.bias)
        second.conv.applyTranspose(u, into: &v, scratch: scratch)
        Elementwise.multiplyByDerivative(&v, activation, at: a)
        first.conv.accumulateWeightGradient(input: x, outputGradient: v, scale: scale, into: &g.first.weights, scratch: scratch)
        Elementwise.accumulateChannelSums(v, scale: scale, into: &g.first.bias)
        first.conv.applyTranspose(v, into: &t, scratch: scratch)
        dx.axpy(scale, t)
        scratch.recycle(Slot.preActivation, a)
        scratch.recycle(Slot.activated, s)
        scratch.recycle(Slot.projected, v)
        scratch.recycle(Slot.transposed, t)
    }
}
