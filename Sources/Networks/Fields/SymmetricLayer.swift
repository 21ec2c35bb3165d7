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
        let hidden = layer.conv.outputChannels
        var a = scratch.take(Slot.preActivation, channels: hidden, like: x)
        var s = scratch.take(Slot.activated, channels: hidden, like: x)
        layer.preActivation(x, into: &a, scratch: scratch)
        Elementwise.activate(a, activation, into: &s)
        layer.conv.applyTranspose(s, into: &out, scratch: scratch)
        if sign != 1 { out.scale(by: sign) }
        scratch.recycle(Slot.preActivation, a)
        scratch.recycle(Slot.activated, s)
    }

    /// dx += scale·sign·KᵀDK u and the parameter gradient, D = diag σ'(Kx + b):
    /// ∂/∂K ⟨u, Kᵀs⟩ = ⟨Ku, s⟩ gives weightGrad(u, s); the inner K gives weightGrad(x, da).
    public func pullback(at x: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                         input dx: inout Tensor<Scalar>, gradient g: inout ConvLayerGradient<Scalar>, scratch: Scratch<Scalar>) {
        let hidden = layer.conv.outputChannels
        var a = scratch.take(Slot.preActivation, channels: hidden, like: x)
        var s = scratch.take(Slot.activated, channels: hidden, like: x)
        var v = scratch.take(Slot.projected, channels: hidden, like: x)
        var t = scratch.take(Slot.transposed, channels: x.channels, like: x)
        layer.preActivation(x, into: &a, scratch: scratch)
        Elementwise.activate(a, activation, into: &s)
        layer.conv.accumulateWeightGradient(input: u, outputGradient: s, scale: scale * sign, into: &g.weights, scratch: scratch)
        layer.conv.apply(u, into: &v, scratch: scratch)
        Elementwise.multiplyByDerivative(&v, activation, at: a)  // v = D K u = da / sign
        layer.conv.accumulateWeightGradient(input: x, outputGradient: v, scale: scale * sign, into: &g.weights, scratch: scratch)
        Elementwise.accumulateChannelSums(v, scale: scale * sign, into: &g.bias)
        layer.conv.applyTranspose(v, into: &t, scratch: scratch)
        dx.axpy(scale * sign, t)
        scratch.recycle(Slot.preActivation, a)
        scratch.recycle(Slot.activated, s)
        scratch.recycle(Slot.projected, v)
        scratch.recycle(Slot.transposed, t)
    }
}
