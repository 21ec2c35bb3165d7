import LinearAlgebra

/// Something with parameter arrays visited in a fixed order: a layer, a block's field, their
/// gradients, a whole network.
public protocol Parameterized {
    associatedtype Scalar: BLASScalar
    /// Calls `body` on every parameter array, in a fixed order.
    mutating func visitParameters(_ body: (inout [Scalar]) -> Void)
}

extension Parameterized {
    /// The total number of parameters.
    public var parameterCount: Int {
        var copy = self, n = 0
        copy.visitParameters { n += $0.count }
        return n
    }
}

/// Parameters that walk together with a gradient of the same arrays (or an optimiser's state
/// shaped like that gradient), in place: what `SGD` and the weight-smoothness penalty use.
public protocol Trainable: Parameterized {
    associatedtype Gradient: Parameterized where Gradient.Scalar == Scalar
    /// Calls `body` on each parameter array and the gradient's array of the same place, saying
    /// whether the array is a weight (`ParameterLayout.weightPaths`).
    mutating func visitParameters(alongside gradient: inout Gradient, _ body: (inout [Scalar], inout [Scalar], _ isWeight: Bool) -> Void)
}

/// A parameter structure of fixed shape whose arrays are stored properties, listed once as key
/// paths. Two such structures — a layer and its gradient, a unit and its neighbour, parameters
/// and an optimiser's velocity — are then walked together, array by array, in place: no array
/// is copied out and back.
public protocol ParameterLayout: Parameterized {
    /// The parameter arrays in their fixed order.
    static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { get }
    /// The arrays that are weights — convolution kernels and fully connected matrices — as
    /// opposed to biases and batch norms' γ and β: those the authors' code regularises (weight
    /// decay and smoothness; `Regularization.weights`). A subset of `parameterPaths`.
    static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { get }
}

extension ParameterLayout {
    /// None, by default (gradients, per-channel vectors).
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { [] }

    public mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        for p in Self.parameterPaths { body(&self[keyPath: p]) }
    }

    /// The weight paths of a member, as paths of this structure.
    public static func weightPaths<Member: ParameterLayout>(of member: WritableKeyPath<Self, Member>) -> [WritableKeyPath<Self, [Scalar]>]
    where Member.Scalar == Scalar {
        Member.weightPaths.map { member.appending(path: $0) }
    }

    /// `visitParameters(alongside:)`, telling `body` whether each array is a weight (one of
    /// `weightPaths`).
    public mutating func visitParameters<Other: ParameterLayout>(alongside other: inout Other,
                                                                 _ body: (inout [Scalar], inout [Scalar], _ isWeight: Bool) -> Void)
    where Other.Scalar == Scalar {
        let weights = Set(Self.weightPaths)
        let mine = Self.parameterPaths, theirs = Other.parameterPaths
        precondition(mine.count == theirs.count, "visitParameters(alongside:): \(mine.count) arrays against \(theirs.count)")
        for (p, q) in zip(mine, theirs) {
            precondition(self[keyPath: p].count == other[keyPath: q].count, "visitParameters(alongside:): array sizes differ")
            body(&self[keyPath: p], &other[keyPath: q], weights.contains(p))
        }
    }

    /// Walks this structure's arrays together with `other`'s (the same number of arrays, of
    /// equal sizes, in the same order), mutating both in place.
    public mutating func visitParameters<Other: ParameterLayout>(alongside other: inout Other,
                                                                 _ body: (inout [Scalar], inout [Scalar]) -> Void)
    where Other.Scalar == Scalar {
        let mine = Self.parameterPaths, theirs = Other.parameterPaths
        precondition(mine.count == theirs.count, "visitParameters(alongside:): \(mine.count) arrays against \(theirs.count)")
        for (p, q) in zip(mine, theirs) {
            precondition(self[keyPath: p].count == other[keyPath: q].count, "visitParameters(alongside:): array sizes differ")
            body(&self[keyPath: p], &other[keyPath: q])
        }
    }

    /// Walks this structure's arrays together with `other`'s, read-only.
    public mutating func visitParameters<Other: ParameterLayout>(with other: Other, _ body: (inout [Scalar], [Scalar]) -> Void)
    where Other.Scalar == Scalar {
        let mine = Self.parameterPaths, theirs = Other.parameterPaths
        precondition(mine.count == theirs.count, "visitParameters(with:): \(mine.count) arrays against \(theirs.count)")
        for (p, q) in zip(mine, theirs) {
            precondition(self[keyPath: p].count == other[keyPath: q].count, "visitParameters(with:): array sizes differ")
            body(&self[keyPath: p], other[keyPath: q])
        }
    }

    /// self ← self + other, array by array.
    public mutating func add<Other: ParameterLayout>(_ other: Other) where Other.Scalar == Scalar {
        visitParameters(with: other) { a, b in
            b.withUnsafeBufferPointer { b in a.withUnsafeMutableBufferPointer { a in for i in a.indices { a[i] += b[i] } } }
        }
    }

    /// The paths of a member's arrays, as paths of this structure.
    public static func paths<Member: ParameterLayout>(of member: WritableKeyPath<Self, Member>) -> [WritableKeyPath<Self, [Scalar]>]
    where Member.Scalar == Scalar {
        Member.parameterPaths.map { member.appending(path: $0) }
    }
}

/// A block's field whose parameters have a gradient type of their own (`Parameters` of the
/// differentiable field protocols), and whose kernels draw buffers from a `Scratch`.
public protocol TrainableField: ParameterLayout, ScratchBound {
    associatedtype Gradient: ParameterLayout where Gradient.Scalar == Scalar
    /// A zero gradient, shaped like the parameters.
    func zeroGradient() -> Gradient
    /// The batch norms inside the field (disabled ones included), for the running-statistics
    /// update and checkpoints.
    static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] { get }
}

extension TrainableField {
    public static var normalizationPaths: [WritableKeyPath<Self, BatchNormLayer<Scalar>>] { [] }

    /// The paths of a member layer's batch norms, as paths of this field.
    public static func normalizationPaths<Member: ActivatedLayer>(of member: WritableKeyPath<Self, Member>)
        -> [WritableKeyPath<Self, BatchNormLayer<Scalar>>] where Member.Scalar == Scalar {
        Member.normalizationPaths.map { member.appending(path: $0) }
    }
}

/// A block's field made with fresh seeded weights for a feature map of `channels` channels (its
/// own count: one half of the map for the fields on channel halves).
public protocol InitializableField: TrainableField {
    init(channels: Int, activation: Activation, normalization: Normalization, scratch: Scratch<Scalar>, using g: inout SeededGenerator)
}

extension ConvLayer: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.conv.weights, \.bias] }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { [\.conv.weights] }
}

extension ConvLayerGradient: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.weights, \.bias] }
}

/// Two parameter sets visited in order first, second: the two halves of a block, or the two
/// convolutions of a residual function (and their gradients).
public struct ParameterPair<First: ParameterLayout, Second: ParameterLayout>: ParameterLayout where First.Scalar == Second.Scalar {
    public typealias Scalar = First.Scalar
    public var first: First
    public var second: Second

    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }

    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { paths(of: \.first) + paths(of: \.second) }
}
