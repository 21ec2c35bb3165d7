import LinearAlgebra

/// Batch normalisation inside a block's residual function (Ioffe & Szegedy 2015), as the
/// authors' code places it (pre-activation units, He et al. ECCV 2016): y = σ(γ·x̂ + β).
///
/// Which statistics it uses is the scratch's `NormalizationMode`: the batch's during training
/// and reconstruction (recomputed from the rebuilt input, equal to the forward pass's up to
/// rounding, so reversibility holds), the running ones otherwise. A forward pass records its
/// batch statistics under `slot`; the network folds them into the running statistics after
/// the pass (`foldStatistics`), once, never during reconstruction.
///
/// A layer with no channels is *disabled*: the residual function has no normalisation there
/// (the BN-free blocks, whose field Jacobian has a provably imaginary spectrum).
public struct BatchNormLayer<Scalar: BLASScalar>: Sendable, Equatable {
    public var gamma: [Scalar]
    public var beta: [Scalar]
    public var runningMean: [Scalar]
    public var runningVariance: [Scalar]
    /// Where this layer's statistics are recorded in a pass (unique within a network).
    public var slot: Int

    /// ε, as the authors' code (1e-3; Ioffe & Szegedy used 1e-5).
    public static var epsilon: Scalar { 1e-3 }
    /// Running statistics ← μ·running + (1 − μ)·batch, μ = 0.9 (PyTorch's default). The
    /// authors' code uses 0.99 for 80,000-step runs; 0.9 follows the batch within tens of steps,
    /// which short runs on small data need for evaluation to be meaningful.
    public static var momentum: Scalar { 0.9 }

    /// γ = 1, β = 0, running mean 0 and variance 1 on `channels` channels (0: disabled).
    public init(channels: Int, slot: Int = 0) {
        gamma = [Scalar](repeating: 1, count: channels)
        beta = [Scalar](repeating: 0, count: channels)
        runningMean = [Scalar](repeating: 0, count: channels)
        runningVariance = [Scalar](repeating: 1, count: channels)
        self.slot = slot
    }

    /// No normalisation.
    public static var disabled: BatchNormLayer { BatchNormLayer(channels: 0) }

    public var isEnabled: Bool { !gamma.isEmpty }

    /// y ← σ(γ·x̂ + β) with the mode's statistics; keeps x̂ and 1/σ in the scratch under `stash`
    /// for `backward`.
    func forward(_ x: Tensor<Scalar>, into y: inout Tensor<Scalar>, activating sigma: Activation?, stash: Int, scratch: Scratch<Scalar>) {
        precondition(x.channels == gamma.count, "BatchNormLayer: \(x.channels) channels for a layer of \(gamma.count)")
        var inverse = scratch.stashedVectors.removeValue(forKey: stash) ?? []
        if inverse.count != x.channels { inverse = [Scalar](repeating: 0, count: x.channels) }
        var xhat = scratch.stashedTensors.removeValue(forKey: stash) ?? x
        if !xhat.hasSameShape(as: x) { xhat = x }
        if scratch.normalization == .running {
            for c in inverse.indices { inverse[c] = 1 / (runningVariance[c] + Self.epsilon).squareRoot() }
            BatchNormKernels.normalize(x, mean: runningMean, inverseStd: inverse, gamma: gamma, beta: beta,
                                       normalized: &xhat, into: &y, activating: sigma)
        } else {
            var mean = [Scalar](repeating: 0, count: x.channels), variance = mean
            if let replicas = scratch.replicas {
                BatchNormKernels.statistics(x, mean: &mean, variance: &variance, across: replicas)
            } else {
                BatchNormKernels.statistics(x, mean: &mean, variance: &variance)
            }
            for c in inverse.indices { inverse[c] = 1 / (variance[c] + Self.epsilon).squareRoot() }
            BatchNormKernels.normalize(x, mean: mean, inverseStd: inverse, gamma: gamma, beta: beta,
                                       normalized: &xhat, into: &y, activating: sigma)
            if scratch.normalization == .recordingBatch, scratch.recordedStatistics[slot] == nil {
                scratch.recordedStatistics[slot] = (mean, variance)
            }
        }
        scratch.stashedTensors[stash] = xhat
        scratch.stashedVectors[stash] = inverse
    }

    /// The backward pass of the last `forward` stashed under `stash`, in place: `w` holds dL/dy
    /// (after σ') on entry and dL/dx on exit (unscaled); dγ, dβ accumulate scale·(…).
    func backward(_ w: inout Tensor<Scalar>, stash: Int, scale: Scalar, gradient g: inout BatchNormGradient<Scalar>, scratch: Scratch<Scalar>) {
        guard let xhat = scratch.stashedTensors[stash], let inverse = scratch.stashedVectors[stash] else {
            preconditionFailure("BatchNormLayer: backward without a forward evaluation on this scratch")
        }
        if let replicas = scratch.replicas, scratch.normalization != .running {
            BatchNormKernels.backward(&w, normalized: xhat, inverseStd: inverse, gamma: gamma, scale: scale,
                                      gammaGradient: &g.gamma, betaGradient: &g.beta, across: replicas)
        } else {
            BatchNormKernels.backward(&w, normalized: xhat, inverseStd: inverse, gamma: gamma,
                                      batchStatistics: scratch.normalization != .running, scale: scale,
                                      gammaGradient: &g.gamma, betaGradient: &g.beta)
        }
    }

    /// Folds batch statistics into the running ones (the biased batch variance, as the
    /// authors' TensorFlow code).
    mutating func fold(mean: [Scalar], variance: [Scalar]) {
        let m = Self.momentum
        for c in runningMean.indices {
            runningMean[c] = m * runningMean[c] + (1 - m) * mean[c]
            runningVariance[c] = m * runningVariance[c] + (1 - m) * variance[c]
        }
    }

    /// A zero gradient of γ and β.
    func zeroGradient() -> BatchNormGradient<Scalar> { BatchNormGradient(channels: gamma.count) }
}

extension BatchNormLayer: ParameterLayout {
    /// γ, β (the running statistics are state, not parameters: `statisticsPaths`).
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.gamma, \.beta] }
}
