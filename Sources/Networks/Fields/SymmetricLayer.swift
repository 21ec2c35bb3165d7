import LinearAlgebra

/// The "double symmetric" layer F(x) = sign·Kᵀσ(Kx + b) of the Hamiltonian and leapfrog blocks
/// (Chang et al. 2018, eqs. 7 and 9): its Jacobian sign·KᵀDK, D = diag σ'(Kx + b) ≥ 0, is
/// symmetric semi-definite, which is what makes the blocks' spectra purely imaginary.
public struct SymmetricLayer<Scalar: BLASScalar>: Sendable, Equatable {
    public var layer: ConvLayer<Scalar>
    public var activation: Activation
    /// +1 or −1.
    public var sign: Scalar

    public init(layer: ConvLayer<Scalar>, activation: Activation, sign: Scalar) {
        self.layer = layer
        self.activation = activation
        self.sign = sign
    }

    /// out ← sign·Kᵀσ(Kx + b).
    public func evaluate(_ x: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        var s = scratch.take(Slot.activated, channels: layer.conv.outputChannels, like: x)
        layer.apply(x, activating: activation, into: &s, scratch: scratch)
        value(activated: s, into: &out, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// dx += scale·sign·KᵀDK u and the parameter gradient, D = diag σ'(Kx + b).
    public func pullback(at x: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                         input dx: inout Tensor<Scalar>, gradient g: inout ConvLayerGradient<Scalar>, scratch: Scratch<Scalar>) {
        var s = scratch.take(Slot.activated, channels: layer.conv.outputChannels, like: x)
        layer.apply(x, activating: activation, into: &s, scratch: scratch)
        pullback(at: x, activated: s, cotangent: u, scale: scale, input: &dx, gradient: &g, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// `evaluate` and `pullback` at the same x, with σ(Kx + b) computed once.
    public func evaluateWithPullback(at x: Tensor<Scalar>, into out: inout Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                                     input dx: inout Tensor<Scalar>, gradient g: inout ConvLayerGradient<Scalar>, scratch: Scratch<Scalar>) {
        var s = scratch.take(Slot.activated, channels: layer.conv.outputChannels, like: x)
        layer.apply(x, activating: activation, into: &s, scratch: scratch)
        value(activated: s, into: &out, scratch: scratch)
        pullback(at: x, activated: s, cotangent: u, scale: scale, input: &dx, gradient: &g, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// out ← sign·Kᵀs.
    private func value(activated s: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        layer.conv.applyTranspose(s, into: &out, scale: sign, scratch: scratch)
    }

    /// The pullback given s = σ(Kx + b): ∂/∂K ⟨u, Kᵀs⟩ = ⟨Ku, s⟩ gives weightGrad(u, s); with
    /// v = D K u, the inner K gives weightGrad(x, v) and the bias Σv.
    private func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                          input dx: inout Tensor<Scalar>, gradient g: inout ConvLayerGradient<Scalar>, scratch: Scratch<Scalar>) {
        var v = scratch.take(Slot.projected, channels: layer.conv.outputChannels, like: x)
        layer.conv.accumulateWeightGradient(input: u, outputGradient: s, scale: scale * sign, into: &g.weights, scratch: scratch)
        layer.conv.apply(u, into: &v, scratch: scratch)
        Elementwise.multiplyByDerivative(&v, activation, activated: s)
        layer.conv.accumulateWeightGradient(input: x, outputGradient: v, scale: scale * sign, into: &g.weights, scratch: scratch)
        Elementwise.accumulateChannelSums(v, scale: scale * sign, into: &g.bias)
        layer.conv.applyTranspose(v, into: &dx, scale: scale * sign, adding: true, scratch: scratch)
        scratch.recycle(Slot.projected, v)
    }
}
