import LinearAlgebra

/// Whether the residual functions of a network's blocks normalise their activations.
public enum Normalization: String, Sendable, Codable, CaseIterable {
    /// s = σ(Kx + b): the paper's equations, whose field Jacobians (Hamiltonian, leapfrog) have a
    /// provably imaginary spectrum.
    case none
    /// Batch norm before each activation, as the authors' code and the pre-activation units of
    /// He et al. (ECCV 2016): s = σ(BN₂(K·σ(BN₁x))), no convolution bias (β takes its place).
    case batch
}

/// The first half of a residual function: the hidden activations s that a second operator (K₂
/// in ResNet and RevNet, sign·Kᵀ in the Hamiltonian and leapfrog blocks) maps back. With
/// `Normalization.none`, s = σ(Kx + b); with `.batch`, s = σ(BN₂(K·σ(BN₁x))).
///
/// The pullback of a normalised layer needs what its forward evaluation computed (σ(BN₁x) and
/// the normalised values), which `activations` keeps in the scratch: a pullback follows the
/// `activations` of the same layer on the same scratch, as `ActivatedLayer`'s methods do.
public struct HiddenLayer<Scalar: BLASScalar>: Sendable, Equatable {
    /// K and b (b empty when normalised).
    public var layer: ConvLayer<Scalar>
    /// BN₁, applied (with σ) to the input.
    public var preNorm: BatchNormLayer<Scalar>
    /// BN₂, applied to Kx before σ.
    public var norm: BatchNormLayer<Scalar>
    public var activation: Activation
    /// 1, or 2 for the widening convolution of a stage transition (`DownsamplingUnit`): the
    /// even rows and columns of the full-resolution convolution (`Subsampling`). Computed at
    /// full resolution and subsampled, so it costs four times a stride-2 kernel's arithmetic —
    /// on two units of a network.
    public var stride = 1

    /// He-initialised K (scaled by `gain`); zero bias, or γ = 1, β = 0 when normalised.
    /// `preActivation: false` leaves out BN₁ and its σ (s = σ(BN₂(Kx)): the authors' stem).
    public init(inputChannels: Int, outputChannels: Int, normalization: Normalization, activation: Activation,
                preActivation: Bool = true, gain: Scalar = 1, using g: inout SeededGenerator) {
        let conv = Convolution3x3<Scalar>(inputChannels: inputChannels, outputChannels: outputChannels, gain: gain, using: &g)
        let normalized = normalization == .batch
        layer = ConvLayer(conv: conv, bias: normalized ? [] : [Scalar](repeating: 0, count: outputChannels))
        preNorm = normalized && preActivation ? BatchNormLayer(channels: inputChannels) : .disabled
        norm = normalized ? BatchNormLayer(channels: outputChannels) : .disabled
        self.activation = activation
    }

    public var isNormalized: Bool { norm.isEnabled }

    /// The parameters of a layer from `inputs` to `outputs` channels (nil on overflow): 9·in·out
    /// weights, and out biases, or γ, β of BN₁ (with `preActivation`) and BN₂.
    public static func parameterCount(inputs: Int, outputs: Int, normalization: Normalization, preActivation: Bool = true) -> Int? {
        let extra = normalization == .none ? [outputs] : [2 * outputs] + (preActivation ? [2 * inputs] : [])
        return SafeSize.product([9, inputs, outputs]).flatMap { SafeSize.sum([$0] + extra) }
    }
    public var hiddenChannels: Int { layer.conv.outputChannels }

    /// A zero gradient of K, b, and the batch norms' γ and β.
    public func zeroGradient() -> HiddenGradient<Scalar> {
        HiddenGradient(layer: ConvLayerGradient(zeroFor: layer), preNorm: preNorm.zeroGradient(), norm: norm.zeroGradient())
    }

    /// s ← σ(Kx + b), or σ(BN₂(K·σ(BN₁x))).
    public func activations(_ x: Tensor<Scalar>, into s: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        guard isNormalized else { return plainActivations(x, into: &s, scratch: scratch) }
        var a = scratch.stashedTensors.removeValue(forKey: Stash.preActivated) ?? x
        if preNorm.isEnabled {
            if !a.hasSameShape(as: x) { a = x }
            preNorm.forward(x, into: &a, activating: activation, stash: Stash.preNorm, scratch: scratch)
        } else {
            a = x
        }
        var z = scratch.take(Slot.convolved, channels: hiddenChannels, like: x)
        layer.conv.apply(a, into: &z, scratch: scratch)
        if stride == 2 {
            var half = Tensor<Scalar>(channels: hiddenChannels, batch: x.batch, height: Downsampling.half(x.height),
                                      width: Downsampling.half(x.width))
            Subsampling.apply(z, into: &half)
            norm.forward(half, into: &s, activating: activation, stash: Stash.norm, scratch: scratch)
        } else {
            norm.forward(z, into: &s, activating: activation, stash: Stash.norm, scratch: scratch)
        }
        scratch.recycle(Slot.convolved, z)
        scratch.stashedTensors[Stash.preActivated] = a
    }

    /// σ(Kx + b) at the layer's stride.
    private func plainActivations(_ x: Tensor<Scalar>, into s: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        guard stride == 2 else { return layer.apply(x, activating: activation, into: &s, scratch: scratch) }
        var z = scratch.take(Slot.convolved, channels: hiddenChannels, like: x)
        layer.conv.apply(x, into: &z, scratch: scratch)
        Subsampling.apply(z, into: &s)
        Elementwise.addBias(layer.bias, to: &s, activating: activation)
        scratch.recycle(Slot.convolved, z)
    }

    /// ∂L/∂(Kx) at full resolution for `v` at the layer's stride (v itself at stride 1).
    private func fullResolution(_ v: Tensor<Scalar>, like x: Tensor<Scalar>) -> Tensor<Scalar> {
        guard stride == 2 else { return v }
        var full = Tensor<Scalar>(channels: v.channels, batch: x.batch, height: x.height, width: x.width)
        Subsampling.adjoint(v, into: &full)
        return full
    }

    /// Given v = ∂L/∂s (overwritten), accumulates scale·∂L/∂θ into `g` and adds scale·∂L/∂x to
    /// `dx`, at the x whose activations are s (computed last on this scratch). With
    /// `inputGradient: false`, `dx` is left alone (the stem, whose input is the images).
    public func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, hiddenCotangent v: inout Tensor<Scalar>, scale: Scalar,
                         input dx: inout Tensor<Scalar>, inputGradient: Bool = true, gradient g: inout HiddenGradient<Scalar>,
                         scratch: Scratch<Scalar>) {
        Elementwise.multiplyByDerivative(&v, activation, activated: s)
        guard isNormalized else {
            Elementwise.accumulateChannelSums(v, scale: scale, into: &g.layer.bias)
            let full = fullResolution(v, like: x)
            layer.conv.accumulateWeightGradient(input: x, outputGradient: full, scale: scale, into: &g.layer.weights, scratch: scratch)
            if inputGradient { layer.conv.applyTranspose(full, into: &dx, scale: scale, adding: true, scratch: scratch) }
            return
        }
        guard let a = scratch.stashedTensors[Stash.preActivated] else {
            preconditionFailure("HiddenLayer: pullback without a forward evaluation on this scratch")
        }
        norm.backward(&v, stash: Stash.norm, scale: scale, gradient: &g.norm, scratch: scratch)
        let full = fullResolution(v, like: x)
        layer.conv.accumulateWeightGradient(input: a, outputGradient: full, scale: scale, into: &g.layer.weights, scratch: scratch)
        guard inputGradient else { return }
        guard preNorm.isEnabled else {
            return layer.conv.applyTranspose(full, into: &dx, scale: scale, adding: true, scratch: scratch)
        }
        var e = scratch.take(Slot.preGradient, channels: x.channels, like: x)
        layer.conv.applyTranspose(full, into: &e, scratch: scratch)
        Elementwise.multiplyByDerivative(&e, activation, activated: a)
        preNorm.backward(&e, stash: Stash.preNorm, scale: scale, gradient: &g.preNorm, scratch: scratch)
        dx.axpy(scale, e)
        scratch.recycle(Slot.preGradient, e)
    }
}

/// Keys of what `HiddenLayer.activations` keeps in the scratch for `pullback`.
private enum Stash {
    static let preNorm = 0, norm = 1, preActivated = 2
}

extension HiddenLayer: ParameterLayout {
    /// K, b, γ₁, β₁, γ₂, β₂ (the empty arrays of a disabled part walk as nothing).
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] {
        paths(of: \.layer) + paths(of: \.preNorm) + paths(of: \.norm)
    }

    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { weightPaths(of: \.layer) }

    /// The batch norms, for the running-statistics update.
    public static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] { [\.preNorm, \.norm] }
}

/// The gradient of a `HiddenLayer`.
public struct HiddenGradient<Scalar: BLASScalar>: ParameterLayout, Sendable, Equatable {
    public var layer: ConvLayerGradient<Scalar>
    public var preNorm: BatchNormGradient<Scalar>
    public var norm: BatchNormGradient<Scalar>

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] {
        paths(of: \.layer) + paths(of: \.preNorm) + paths(of: \.norm)
    }
}
