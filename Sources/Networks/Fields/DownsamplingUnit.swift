import Integrators
import LinearAlgebra

/// How a network widens and halves its feature maps between stages.
public enum TransitionStyle: String, Sendable, Codable, CaseIterable {
    /// The first unit of a stage runs at the previous width; its output is average-pooled 2×2
    /// and zero-padded to the new width (the authors' Hamiltonian networks).
    case poolAndPad = "pool"
    /// The first unit of a stage is a `DownsamplingUnit` whose residual function starts with a
    /// stride-2 convolution to the new width, beside a pooled and padded shortcut (He et al.,
    /// CVPR 2016, option A; Gomez et al., NeurIPS 2017). Not reversible: its input is stored.
    case strided
}

/// The stage-transition unit of standard ResNets and RevNets (`TransitionStyle.strided`):
///
/// - ResNet (one residual function f): y = P(x) + f(x);
/// - RevNet (F, G on the halves): y₁ = P(x₁) + F(x₂), y₂ = P(x₂) + G(y₁);
///
/// where P average-pools 2×2 and zero-pads channels (the shortcut of He et al.'s option A) and
/// F, f start with a stride-2 convolution from the old width to the new one. It has no inverse
/// (P loses information), so the backward pass keeps its input.
public struct DownsamplingUnit<Scalar: BLASScalar>: Sendable, Equatable {
    /// [f] for ResNet, [F, G] for RevNet.
    public var residuals: [ResidualLayer<Scalar>]

    /// A fresh unit from `inputChannels` to `outputChannels` (both even for the coupled form).
    public init(inputChannels: Int, outputChannels: Int, coupled: Bool, activation: Activation, normalization: Normalization,
                using g: inout SeededGenerator) {
        if coupled {
            let (cin, cout) = (inputChannels / 2, outputChannels / 2)
            let f = ResidualLayer<Scalar>(inputChannels: cin, outputChannels: cout, stride: 2, activation: activation,
                                          normalization: normalization, using: &g)
            residuals = [f, ResidualLayer(channels: cout, activation: activation, normalization: normalization, using: &g)]
        } else {
            residuals = [ResidualLayer(inputChannels: inputChannels, outputChannels: outputChannels, stride: 2, activation: activation,
                                       normalization: normalization, using: &g)]
        }
    }

    /// The parameters of such a unit (nil on overflow), counted without building it.
    public static func parameterCount(inputChannels: Int, outputChannels: Int, coupled: Bool, normalization: Normalization) -> Int? {
        let (cin, cout) = coupled ? (inputChannels / 2, outputChannels / 2) : (inputChannels, outputChannels)
        let f = residualParameters(cout, from: cin, count: 1, second: true, normalization)
        return coupled ? SafeSize.sum([f, residualParameters(cout, count: 1, second: true, normalization)]) : f
    }

    var coupled: Bool { residuals.count == 2 }

    /// P(shortcut) + r(x): a residual function beside the pooled, padded shortcut.
    private static func shortcutSum(_ r: ResidualLayer<Scalar>, of x: Tensor<Scalar>, shortcut: Tensor<Scalar>,
                                    scratch: Scratch<Scalar>) -> Tensor<Scalar> {
        var y = Downsampling.apply(shortcut, channels: r.second.conv.outputChannels)
        var rx = y
        r.evaluate(x, into: &rx, scratch: scratch)
        y.add(rx)
        return y
    }

    /// The output feature map for input `x`.
    public func forward(_ x: Tensor<Scalar>, scratch: Scratch<Scalar>) -> Tensor<Scalar> {
        guard coupled else { return Self.shortcutSum(residuals[0], of: x, shortcut: x, scratch: scratch) }
        let halves = Halves.split(x)
        let y1 = Self.shortcutSum(residuals[0], of: halves.p, shortcut: halves.q, scratch: scratch)
        let y2 = Self.shortcutSum(residuals[1], of: y1, shortcut: halves.p, scratch: scratch)
        return Halves.join(PartitionedState(q: y1, p: y2))
    }

    /// ∂L/∂x for ∂L/∂y = `dy` at input `x`, accumulating the residual functions' gradients.
    public func pullback(at x: Tensor<Scalar>, cotangent dy: Tensor<Scalar>, gradient g: inout DownsamplingGradient<Scalar>,
                         scratch: Scratch<Scalar>) -> Tensor<Scalar> {
        let f = residuals[0]
        guard coupled else {
            var dx = Downsampling.adjoint(dy, channels: x.channels, height: x.height, width: x.width)
            f.pullback(at: x, cotangent: dy, scale: 1, input: &dx, gradient: &g.residuals[0], scratch: scratch)
            return dx
        }
        let halves = Halves.split(x), d = Halves.split(dy)
        // y₁ again (G is linearised there).
        let y1 = Self.shortcutSum(f, of: halves.p, shortcut: halves.q, scratch: scratch)
        // ∂L/∂y₁ in full: its own cotangent plus G's pullback of ∂L/∂y₂.
        var dy1 = d.q
        residuals[1].pullback(at: y1, cotangent: d.p, scale: 1, input: &dy1, gradient: &g.residuals[1], scratch: scratch)
        var dx2 = Downsampling.adjoint(d.p, channels: halves.p.channels, height: x.height, width: x.width)
        f.pullback(at: halves.p, cotangent: dy1, scale: 1, input: &dx2, gradient: &g.residuals[0], scratch: scratch)
        let dx1 = Downsampling.adjoint(dy1, channels: halves.q.channels, height: x.height, width: x.width)
        return Halves.join(PartitionedState(q: dx1, p: dx2))
    }

    /// A zero gradient.
    public func zeroGradient() -> DownsamplingGradient<Scalar> { DownsamplingGradient(residuals: residuals.map { $0.zeroGradient() }) }

    /// The parameter arrays in order, each with its gradient's and whether it is a weight.
    mutating func visitParameters(alongside g: inout DownsamplingGradient<Scalar>,
                                  _ body: (inout [Scalar], inout [Scalar], _ isWeight: Bool) -> Void) {
        for k in residuals.indices { residuals[k].visitParameters(alongside: &g.residuals[k], body) }
    }

    mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        for k in residuals.indices { residuals[k].visitParameters(body) }
    }

    /// The enabled batch norms, in order.
    mutating func visitNormalizations(_ body: (inout BatchNormLayer<Scalar>) -> Void) {
        for k in residuals.indices {
            for p in ResidualLayer<Scalar>.normalizationPaths where residuals[k][keyPath: p].isEnabled { body(&residuals[k][keyPath: p]) }
        }
    }
}

/// The gradient of a `DownsamplingUnit`.
public struct DownsamplingGradient<Scalar: BLASScalar> {
    public var residuals: [ResidualGradient<Scalar>]

    mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        for k in residuals.indices { residuals[k].visitParameters(body) }
    }
}
