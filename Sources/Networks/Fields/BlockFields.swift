import Integrators
import LinearAlgebra

/// A partitioned field whose velocity and force are layers, q' = V(p), p' = F(q), each with
/// its vector–Jacobian products (`ActivatedLayer`): the Hamiltonian and RevNet blocks' fields,
/// integrated by `StormerVerlet(scheme: .staggered)`.
public struct LayerPairField<Scalar: BLASScalar, Velocity: ActivatedLayer, Force: ActivatedLayer>: DifferentiablePartitionedField,
    TrainableField where Velocity.Scalar == Scalar, Force.Scalar == Scalar {
    public typealias State = Tensor<Scalar>
    public var velocityLayer: Velocity
    public var forceLayer: Force
    public var scratch: Scratch<Scalar>

    public init(velocity: Velocity, force: Force, scratch: Scratch<Scalar>) {
        velocityLayer = velocity
        forceLayer = force
        self.scratch = scratch
    }

    public func velocity(_ p: State, time: Scalar, into dq: inout State) { velocityLayer.evaluate(p, into: &dq, scratch: scratch) }
    public func force(_ q: State, time: Scalar, into dp: inout State) { forceLayer.evaluate(q, into: &dp, scratch: scratch) }

    public func velocityPullback(at p: State, time: Scalar, cotangent u: State, scale s: Scalar, input dp: inout State,
                                 parameters g: inout ParameterPair<Velocity.Gradient, Force.Gradient>) {
        velocityLayer.pullback(at: p, cotangent: u, scale: s, input: &dp, gradient: &g.first, scratch: scratch)
    }

    public func forcePullback(at q: State, time: Scalar, cotangent u: State, scale s: Scalar, input dq: inout State,
                              parameters g: inout ParameterPair<Velocity.Gradient, Force.Gradient>) {
        forceLayer.pullback(at: q, cotangent: u, scale: s, input: &dq, gradient: &g.second, scratch: scratch)
    }

    public func velocityWithPullback(at p: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                     input dp: inout State, parameters g: inout ParameterPair<Velocity.Gradient, Force.Gradient>) {
        velocityLayer.evaluateWithPullback(at: p, into: &value, cotangent: u, scale: s, input: &dp, gradient: &g.first, scratch: scratch)
    }

    public func forceWithPullback(at q: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                  input dq: inout State, parameters g: inout ParameterPair<Velocity.Gradient, Force.Gradient>) {
        forceLayer.evaluateWithPullback(at: q, into: &value, cotangent: u, scale: s, input: &dq, gradient: &g.second, scratch: scratch)
    }

    /// A zero gradient of both layers.
    public func zeroGradient() -> ParameterPair<Velocity.Gradient, Force.Gradient> {
        ParameterPair(first: velocityLayer.zeroGradient(), second: forceLayer.zeroGradient())
    }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.velocityLayer) + paths(of: \.forceLayer) }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { weightPaths(of: \.velocityLayer) + weightPaths(of: \.forceLayer) }
    public static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] {
        normalizationPaths(of: \.velocityLayer) + normalizationPaths(of: \.forceLayer)
    }
}

/// A layer that makes the two layers of a `LayerPairField` (velocity, then force) with fresh weights.
public protocol PairableLayer: ActivatedLayer {
    static func pair(channels: Int, activation: Activation, normalization: Normalization,
                     using g: inout SeededGenerator) -> (velocity: Self, force: Self)
}

extension LayerPairField: InitializableField where Velocity: PairableLayer, Force == Velocity {
    /// Fresh layers on `channels` channels (one half).
    public init(channels: Int, activation: Activation, normalization: Normalization, scratch: Scratch<Scalar>,
                using g: inout SeededGenerator) {
        let (velocity, force) = Velocity.pair(channels: channels, activation: activation, normalization: normalization, using: &g)
        self.init(velocity: velocity, force: force, scratch: scratch)
    }
}

/// The vector field of the Hamiltonian block (Chang et al. 2018, eq. 7) on the channel halves
/// (Y, Z): Y' = K₁ᵀσ(K₁Z + b₁), Z' = −K₂ᵀσ(K₂Y + b₂). A separable Hamiltonian system; its
/// Jacobian [[0, K₁ᵀD₁K₁], [−K₂ᵀD₂K₂, 0]] has purely imaginary eigenvalues.
public typealias HamiltonianField<Scalar: BLASScalar> = LayerPairField<Scalar, SymmetricLayer<Scalar>, SymmetricLayer<Scalar>>

extension SymmetricLayer: PairableLayer {
    /// Fresh He-initialised K₁ (velocity, sign +1) then K₂ (force, sign −1), zero biases.
    public static func pair(channels: Int, activation: Activation, normalization: Normalization,
                            using g: inout SeededGenerator) -> (velocity: Self, force: Self) {
        func layer(_ sign: Scalar) -> SymmetricLayer {
            SymmetricLayer(hidden: HiddenLayer(inputChannels: channels, outputChannels: channels, normalization: normalization,
                                               activation: activation, using: &g), sign: sign)
        }
        let velocity = layer(1)
        return (velocity, layer(-1))
    }
}

/// The RevNet block's additive coupling Y ← Y + F(Z), Z ← Z + G(Y) (Gomez et al., NeurIPS 2017)
/// read as a partitioned field with velocity F and force G (residual layers), integrated by
/// staggered Störmer–Verlet with h = 1.
public typealias RevNetField<Scalar: BLASScalar> = LayerPairField<Scalar, ResidualLayer<Scalar>, ResidualLayer<Scalar>>

extension ResidualLayer: PairableLayer {
    /// Fresh residual functions F (velocity) then G (force).
    public static func pair(channels: Int, activation: Activation, normalization: Normalization,
                            using rng: inout SeededGenerator) -> (velocity: Self, force: Self) {
        let velocity = ResidualLayer(channels: channels, activation: activation, normalization: normalization, using: &rng)
        return (velocity, ResidualLayer(channels: channels, activation: activation, normalization: normalization, using: &rng))
    }
}

/// The leapfrog block's field Y'' = −Kᵀσ(KY + b) (Chang et al. 2018, eq. 9) on all channels.
public struct LeapfrogField<Scalar: BLASScalar>: DifferentiableSecondOrderField, TrainableField, InitializableField {
    public typealias State = Tensor<Scalar>
    public var layer: SymmetricLayer<Scalar>
    public var scratch: Scratch<Scalar>

    public init(channels: Int, activation: Activation, normalization: Normalization, scratch: Scratch<Scalar>,
                using g: inout SeededGenerator) {
        layer = SymmetricLayer(hidden: HiddenLayer(inputChannels: channels, outputChannels: channels, normalization: normalization,
                                                   activation: activation, using: &g), sign: -1)
        self.scratch = scratch
    }

    public func acceleration(_ y: State, time: Scalar, into a: inout State) { layer.evaluate(y, into: &a, scratch: scratch) }

    public func accelerationPullback(at y: State, time: Scalar, cotangent u: State, scale s: Scalar, input dy: inout State,
                                     parameters g: inout HiddenGradient<Scalar>) {
        layer.pullback(at: y, cotangent: u, scale: s, input: &dy, gradient: &g, scratch: scratch)
    }

    public func accelerationWithPullback(at y: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                         input dy: inout State, parameters g: inout HiddenGradient<Scalar>) {
        layer.evaluateWithPullback(at: y, into: &value, cotangent: u, scale: s, input: &dy, gradient: &g, scratch: scratch)
    }

    public func zeroGradient() -> HiddenGradient<Scalar> { layer.zeroGradient() }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.layer) }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { weightPaths(of: \.layer) }
    public static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] { normalizationPaths(of: \.layer) }
}

/// The ResNet block's residual function f(x) = K₂σ(K₁x + b₁) + b₂, integrated by forward Euler
/// with h = 1: x + f(x) (He et al., CVPR 2016; Haber & Ruthotto 2017).
public struct ResNetField<Scalar: BLASScalar>: DifferentiableVectorField, TrainableField, InitializableField {
    public typealias State = Tensor<Scalar>
    public var residual: ResidualLayer<Scalar>
    public var scratch: Scratch<Scalar>

    public init(channels: Int, activation: Activation, normalization: Normalization, scratch: Scratch<Scalar>,
                using g: inout SeededGenerator) {
        residual = ResidualLayer(channels: channels, activation: activation, normalization: normalization, using: &g)
        self.scratch = scratch
    }

    public func evaluate(_ x: State, time: Scalar, into d: inout State) { residual.evaluate(x, into: &d, scratch: scratch) }

    public func pullback(at x: State, time: Scalar, cotangent u: State, scale s: Scalar, input dx: inout State,
                         parameters g: inout ResidualGradient<Scalar>) {
        residual.pullback(at: x, cotangent: u, scale: s, input: &dx, gradient: &g, scratch: scratch)
    }

    public func zeroGradient() -> ResidualGradient<Scalar> { residual.zeroGradient() }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.residual) }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { weightPaths(of: \.residual) }
    public static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] { normalizationPaths(of: \.residual) }
}

/// The midpoint block's field on the halves (Y, Z): f(Y, Z) = (σ(KZ + b₁), σ(−KᵀY + b₂)),
/// i.e. σ(Ax + b) with the anti-symmetric A = [[0, K], [−Kᵀ, 0]]; diag(σ')·A is similar to an
/// anti-symmetric matrix (D^{1/2}·A·D^{1/2} with D = diag σ' > 0 is anti-symmetric), so its
/// spectrum is purely imaginary (Chang et al. 2018, §3.2, where f must carry an anti-symmetric
/// operator; this is our choice of one).
/// Integrated by the two-step `ExplicitMidpoint` on the pair state.
public struct MidpointField<Scalar: BLASScalar>: DifferentiableVectorField, TrainableField, InitializableField {
    public typealias State = PartitionedState<Tensor<Scalar>>
    public var layer: ConvLayer<Scalar>
    /// b₂ (the bias of the second half; `layer.bias` is b₁).
    public var secondBias: [Scalar]
    public var activation: Activation
    public var scratch: Scratch<Scalar>

    /// `normalization` must be `.none`: this field is not of the residual form the batch norms
    /// of `HiddenLayer` apply to (`Architecture` refuses the combination).
    public init(channels: Int, activation: Activation, normalization: Normalization, scratch: Scratch<Scalar>,
                using g: inout SeededGenerator) {
        precondition(normalization == .none, "MidpointField: no batch-norm variant")
        layer = ConvLayer(inputChannels: channels, outputChannels: channels, using: &g)
        secondBias = [Scalar](repeating: 0, count: channels)
        self.activation = activation
        self.scratch = scratch
    }

    /// d ← (σ(KZ + b₁), σ(−KᵀY + b₂)).
    public func evaluate(_ x: State, time: Scalar, into d: inout State) {
        layer.apply(x.p, activating: activation, into: &d.q, scratch: scratch)
        layer.conv.applyTranspose(x.q, into: &d.p, scale: -1, scratch: scratch)
        Elementwise.addBias(secondBias, to: &d.p, activating: activation)
    }

    public func pullback(at x: State, time: Scalar, cotangent u: State, scale s: Scalar, input dx: inout State,
                         parameters g: inout MidpointGradient<Scalar>) {
        var d = State(q: scratch.take(Slot.activated, channels: layer.conv.outputChannels, like: x.q),
                      p: scratch.take(Slot.secondActivated, channels: layer.conv.outputChannels, like: x.q))
        evaluate(x, time: time, into: &d)
        pullback(at: x, activated: d, cotangent: u, scale: s, input: &dx, parameters: &g)
        scratch.recycle(Slot.activated, d.q)
        scratch.recycle(Slot.secondActivated, d.p)
    }

    /// The value is the pair of activations the pullback needs.
    public func evaluateWithPullback(at x: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                     input dx: inout State, parameters g: inout MidpointGradient<Scalar>) {
        evaluate(x, time: time, into: &value)
        pullback(at: x, activated: value, cotangent: u, scale: s, input: &dx, parameters: &g)
    }

    /// With the activations a = f(x) and e₁ = σ'⊙u_Y, e₂ = σ'⊙u_Z:
    /// dZ += s·Kᵀe₁, dY −= s·K e₂, dK += s·(weightGrad(Z, e₁) − weightGrad(e₂, Y)).
    private func pullback(at x: State, activated a: State, cotangent u: State, scale s: Scalar, input dx: inout State,
                          parameters g: inout MidpointGradient<Scalar>) {
        var e = scratch.take(Slot.projected, channels: layer.conv.outputChannels, like: x.q)
        // First half.
        e.assign(u.q)
        Elementwise.multiplyByDerivative(&e, activation, activated: a.q)
        layer.conv.accumulateWeightGradient(input: x.p, outputGradient: e, scale: s, into: &g.layer.weights, scratch: scratch)
        Elementwise.accumulateChannelSums(e, scale: s, into: &g.layer.bias)
        layer.conv.applyTranspose(e, into: &dx.p, scale: s, adding: true, scratch: scratch)
        // Second half.
        e.assign(u.p)
        Elementwise.multiplyByDerivative(&e, activation, activated: a.p)
        Elementwise.accumulateChannelSums(e, scale: s, into: &g.secondBias)
        layer.conv.accumulateWeightGradient(input: e, outputGradient: x.q, scale: -s, into: &g.layer.weights, scratch: scratch)
        layer.conv.apply(e, into: &dx.q, scale: -s, adding: true, scratch: scratch)
        scratch.recycle(Slot.projected, e)
    }

    public func zeroGradient() -> MidpointGradient<Scalar> {
        MidpointGradient(layer: ConvLayerGradient(zeroFor: layer), secondBias: [Scalar](repeating: 0, count: secondBias.count))
    }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.layer) + [\.secondBias] }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { weightPaths(of: \.layer) }
}

/// The gradient of a `MidpointField`.
public struct MidpointGradient<Scalar: BLASScalar>: ParameterLayout, Sendable, Equatable {
    public var layer: ConvLayerGradient<Scalar>
    public var secondBias: [Scalar]

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.layer) + [\.secondBias] }
}
