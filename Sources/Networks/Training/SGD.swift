import LinearAlgebra

/// Stochastic gradient descent with momentum and weight decay (Sutskever et al., ICML 2013,
/// in the form of the authors' TensorFlow code: v ← μv + (g + λθ), θ ← θ − η v).
public struct SGD<Scalar: BLASScalar>: Sendable, Codable, Equatable {
    public var momentum: Scalar
    public var weightDecay: Scalar
    /// One velocity array per parameter array, in the network's parameter order.
    public var velocity: [[Scalar]]

    public init(momentum: Scalar = 0.9, weightDecay: Scalar = 2e-4) {
        self.momentum = momentum
        self.weightDecay = weightDecay
        velocity = []
    }

    /// Applies one update with learning rate `rate` to `parameters` from `gradient`, which must
    /// visit arrays of the same sizes in the same order.
    public mutating func update<P: Parameterized, G: Parameterized>(_ parameters: inout P, gradient: G, rate: Scalar)
    where P.Scalar == Scalar, G.Scalar == Scalar {
        var grads: [[Scalar]] = []
        var g = gradient
        g.visitParameters { grads.append($0) }
        if velocity.isEmpty { velocity = grads.map { [Scalar](repeating: 0, count: $0.count) } }
        precondition(velocity.count == grads.count, "SGD: the gradient has \(grads.count) arrays, the optimiser \(velocity.count)")
        var k = 0
        let mu = momentum, lambda = weightDecay
        parameters.visitParameters { theta in
            precondition(theta.count == grads[k].count, "SGD: parameter array \(k) has \(theta.count) entries, its gradient \(grads[k].count)")
            grads[k].withUnsafeBufferPointer { g in
                velocity[k].withUnsafeMutableBufferPointer { v in
                    theta.withUnsafeMutableBufferPointer { t in
                        for i in t.indices {
                            v[i] = mu * v[i] + g[i] + lambda * t[i]
                            t[i] -= rate * v[i]
                        }
                    }
                }
            }
            k += 1
        }
    }
}
