import LinearAlgebra

/// Something with parameter arrays visited in a fixed order: a layer, a block's field, their
/// gradients. Optimisers pair a field's arrays with its gradient's arrays by this order.
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

    /// self ← self + other, array by array (the same structure).
    public mutating func add(_ other: Self) {
        var source = other, arrays: [[Scalar]] = []
        source.visitParameters { arrays.append($0) }
        var k = 0
        visitParameters { a in
            precondition(k < arrays.count && arrays[k].count == a.count, "Parameterized.add: structures differ")
            arrays[k].withUnsafeBufferPointer { b in
                a.withUnsafeMutableBufferPointer { a in for i in a.indices { a[i] += b[i] } }
            }
            k += 1
        }
    }
}

extension ConvLayer: Parameterized {
    public mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        body(&conv.weights)
        body(&bias)
    }
}

extension ConvLayerGradient: Parameterized {
    public mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        body(&weights)
        body(&bias)
    }
}

/// Two parameter sets visited in order first, second: the two halves of a block, or the two
/// convolutions of a residual function (and their gradients).
public struct ParameterPair<First: Parameterized, Second: Parameterized>: Parameterized where First.Scalar == Second.Scalar {
    public typealias Scalar = First.Scalar
    public var first: First
    public var second: Second

    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }

    public mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        first.visitParameters(body)
        second.visitParameters(body)
    }
}

/// The gradient of two convolution layers.
public typealias LayerPairGradient<Scalar: BLASScalar> = ParameterPair<ConvLayerGradient<Scalar>, ConvLayerGradient<Scalar>>
