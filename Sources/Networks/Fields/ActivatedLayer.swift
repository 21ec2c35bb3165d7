import LinearAlgebra

/// A layer f(x) = V(σ(Kx + b)) whose value and pullback both start from the hidden activations
/// s = σ(Kx + b): `SymmetricLayer` (V = sign·Kᵀ) and `ResidualLayer` (V = K₂· + b₂). Evaluating,
/// pulling back, or both at one x — the reversible backward step's pair — share s through
/// these defaults, so σ(Kx + b) is computed once per point.
public protocol ActivatedLayer: ParameterLayout {
    associatedtype Gradient: ParameterLayout where Gradient.Scalar == Scalar
    /// Channels of s.
    var hiddenChannels: Int { get }
    /// 1, or 2 when s has half x's height and width (the widening layer of a `DownsamplingUnit`).
    var hiddenStride: Int { get }
    /// A zero gradient of this layer's parameters.
    func zeroGradient() -> Gradient
    /// The layer's batch norms (disabled ones included).
    static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] { get }
    /// s ← σ(Kx + b).
    func activations(_ x: Tensor<Scalar>, into s: inout Tensor<Scalar>, scratch: Scratch<Scalar>)
    /// out ← V(s).
    func value(activated s: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>)
    /// dx += scale·(∂f/∂x)ᵀu and the parameters' gradient, at x whose activations are s.
    func pullback(at x: Tensor<Scalar>, activated s: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                  input dx: inout Tensor<Scalar>, gradient g: inout Gradient, scratch: Scratch<Scalar>)
}

extension ActivatedLayer {
    public var hiddenStride: Int { 1 }

    /// A scratch tensor shaped like s for input x.
    func hiddenTensor(like x: Tensor<Scalar>, scratch: Scratch<Scalar>) -> Tensor<Scalar> {
        scratch.take(Slot.activated, channels: hiddenChannels, batch: x.batch, height: (x.height + hiddenStride - 1) / hiddenStride,
                     width: (x.width + hiddenStride - 1) / hiddenStride)
    }

    /// out ← f(x).
    public func evaluate(_ x: Tensor<Scalar>, into out: inout Tensor<Scalar>, scratch: Scratch<Scalar>) {
        var s = hiddenTensor(like: x, scratch: scratch)
        activations(x, into: &s, scratch: scratch)
        value(activated: s, into: &out, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// dx += scale·(∂f/∂x)ᵀu and the parameters' gradient.
    public func pullback(at x: Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                         input dx: inout Tensor<Scalar>, gradient g: inout Gradient, scratch: Scratch<Scalar>) {
        var s = hiddenTensor(like: x, scratch: scratch)
        activations(x, into: &s, scratch: scratch)
        pullback(at: x, activated: s, cotangent: u, scale: scale, input: &dx, gradient: &g, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }

    /// `evaluate` and `pullback` at the same x, with s computed once.
    public func evaluateWithPullback(at x: Tensor<Scalar>, into out: inout Tensor<Scalar>, cotangent u: Tensor<Scalar>, scale: Scalar,
                                     input dx: inout Tensor<Scalar>, gradient g: inout Gradient, scratch: Scratch<Scalar>) {
        var s = hiddenTensor(like: x, scratch: scratch)
        activations(x, into: &s, scratch: scratch)
        value(activated: s, into: &out, scratch: scratch)
        pullback(at: x, activated: s, cotangent: u, scale: scale, input: &dx, gradient: &g, scratch: scratch)
        scratch.recycle(Slot.activated, s)
    }
}
