import LinearAlgebra

/// The "double symmetric" layer F(x) = sign·Kᵀσ(Kx + b) of the Hamiltonian and leapfrog blocks
/// (Chang et al. 2018, eqs. 7 and 9): its Jacobian sign·KᵀDK, D = diag σ'(Kx + b) ≥ 0, is
/// symmetric semi-definite, which is what makes the blocks' spectra purely imaginary. With
/// batch norm (the authors' code), F(x) = sign·Kᵀσ(BN₂(K·σ(BN₁x))): the same weights K and Kᵀ,
/// but the Jacobian is no longer symmetric, so that guarantee is lost.
public struct SymmetricLayer<Scalar: BLASScalar>: ActivatedLayer, Sendable, Equatable {
    /// K (with b, or the batch norms) and σ.
    public var hidden: HiddenLayer<Scalar>
    /// +1 or −1.
    public var sign: Scalar

    public init(hidden: HiddenLayer<Scalar>, sign: Scalar) {
        self.hidden = hidden
        self.sign = sign
    }

    public var hiddenChannels: Int { hidden.hiddenChannels }

    public func zeroGradient() -> HiddenGradient<Scalar> { hidden.zeroGradient() }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.hidden) }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { weightPaths(of: \.hidden) }
    public static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] {
        let hidden: WritableKeyPath<Self, HiddenLayer<Scalar>> = \.hidden
        return HiddenLayer<Scalar>.normalizationPaths.map { hidden.appending(path: $0) }
    }

    /// s ← σ(Kx + b) (or its normalised form).
    public func activations(_ x: Tensor<Scalar>, into s: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        hidden.activations(x, into: &s, scratch: scratch)
    }

    /// out ← sign·Kᵀs.
    public func value(activated s: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        hidden.layer.conv.applyTranspose(s, into: &out, scale: sign, scratch: scratch)
    }

    /// The pullback given s: ∂/∂K ⟨u, Kᵀs⟩ = ⟨Ku, s⟩ gives weightGrad(u, s); then ∂L/∂s = K u
    /// goes through the hidden layer (the inner K, b and the batch norms).
    public func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                         input dx: inout Tensor<Scalar>, gradient g: inout HiddenGradient<Scalar>, scratch: Scratch<Scalar>) {
        let conv = hidden.layer.conv
        var v = scratch.take(Slot.projected, channels: conv.outputChannels, like: s)
        conv.accumulateWeightGradient(input: u, outputGradient: s, scale: scale * sign, into: &g.layer.weights, scratch: scratch)
        conv.apply(u, into: &v, scratch: scratch)
        hidden.pullback(at: x, activated: s, hiddenCotangent: &v, scale: scale * sign, input: &dx, gradient: &g, scratch: scratch)
        scratch.recycle(Slot.projected, v)
    }
}
