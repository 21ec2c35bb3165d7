import LinearAlgebra

/// The "double symmetric" layer F(x) = sign·Kᵀσ(Kx + b) of the Hamiltonian and leapfrog blocks
/// (Chang et al. 2018, eqs. 7 and 9): its Jacobian sign·KᵀDK, D = diag σ'(Kx + b) ≥ 0, is
/// symmetric semi-definite, which is what makes the blocks' spectra purely imaginary.
public struct SymmetricLayer<Scalar: BLASScalar>: ActivatedLayer, Sendable, Equatable {
    public var layer: ConvLayer<Scalar>
    public var activation: Activation
    /// +1 or −1.
    public var sign: Scalar

    public init(layer: ConvLayer<Scalar>, activation: Activation, sign: Scalar) {
        self.layer = layer
        self.activation = activation
        self.sign = sign
    }

    public var hiddenChannels: Int { layer.conv.outputChannels }

    public func zeroGradient() -> ConvLayerGradient<Scalar> { ConvLayerGradient(zeroFor: layer) }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.layer) }

    /// s ← σ(Kx + b).
    public func activations(_ x: Tensor<Scalar>, into s: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        layer.apply(x, activating: activation, into: &s, scratch: scratch)
    }

    /// out ← sign·Kᵀs.
    public func value(activated s: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        layer.conv.applyTranspose(s, into: &out, scale: sign, scratch: scratch)
    }

    /// The pullback given s = σ(Kx + b): ∂/∂K ⟨u, Kᵀs⟩ = ⟨Ku, s⟩ gives weightGrad(u, s); with
    /// v = D K u, the inner K gives weightGrad(x, v) and the bias Σv.
    public func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
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
