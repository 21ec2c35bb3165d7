import LinearAlgebra
import RealModule

/// Batch normalisation over (N, H, W) per channel (Ioffe & Szegedy, ICML 2015), with running
/// statistics for evaluation. Training mode updates the running statistics once per call of
/// `forward(training: true)` — the network calls it once per forward pass, never during
/// reconstruction.
public struct BatchNorm<Scalar: BLASScalar>: Sendable, Equatable {
    public var gamma: [Scalar]
    public var beta: [Scalar]
    public var runningMean: [Scalar]
    public var runningVariance: [Scalar]
    public var momentum: Scalar = 0.9
    public var epsilon: Scalar = 1e-5

    public init(channels: Int) {
        gamma = [Scalar](repeating: 1, count: channels)
        beta = [Scalar](repeating: 0, count: channels)
        runningMean = [Scalar](repeating: 0, count: channels)
        runningVariance = [Scalar](repeating: 1, count: channels)
    }

    /// What the backward pass needs: the normalised input and 1/√(var + ε) per channel.
    public struct Cache: Sendable {
        var normalized: Tensor<Scalar>
        var inverseStd: [Scalar]
        var training: Bool
    }

    /// y = γ·(x − μ)/√(σ² + ε) + β, with batch statistics when training, running ones otherwise.
    public mutating func forward(_ x: Tensor<Scalar>, training: Bool) -> (Tensor<Scalar>, Cache) {
        let size = x.channelSize, count = Scalar(size)
        var xhat = x, y = x
        var inverseStd = [Scalar](repeating: 0, count: x.channels)
        for c in 0..<x.channels {
            let range = (c * size)..<((c + 1) * size)
            var mean: Scalar, variance: Scalar
            if training {
                mean = x.data[range].reduce(0, +) / count
                variance = x.data[range].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
                runningMean[c] = momentum * runningMean[c] + (1 - momentum) * mean
                runningVariance[c] = momentum * runningVariance[c] + (1 - momentum) * variance * count / max(1, count - 1)
            } else {
                mean = runningMean[c]
                variance = runningVariance[c]
            }
            let inv = 1 / (variance + epsilon).squareRoot()
            inverseStd[c] = inv
            for i in range {
                xhat.data[i] = (x.data[i] - mean) * inv
                y.data[i] = gamma[c] * xhat.data[i] + beta[c]
            }
        }
        return (y, Cache(normalized: xhat, inverseStd: inverseStd, training: training))
    }

    /// dx for dy, accumulating dγ, dβ (training-mode formula; the statistics depend on x).
    public func backward(_ dy: Tensor<Scalar>, cache: Cache, gradient g: inout BatchNormGradient<Scalar>) -> Tensor<Scalar> {
        let size = dy.channelSize, count = Scalar(size)
        var dx = dy
        for c in 0..<dy.channels {
            let range = (c * size)..<((c + 1) * size)
            var sumDy: Scalar = 0, sumDyXhat: Scalar = 0
            for i in range {
                sumDy += dy.data[i]
                sumDyXhat += dy.data[i] * cache.normalized.data[i]
            }
            g.gamma[c] += sumDyXhat
            g.beta[c] += sumDy
            let k = gamma[c] * cache.inverseStd[c]
            for i in range {
                dx.data[i] = cache.training
                    ? k * (dy.data[i] - sumDy / count - cache.normalized.data[i] * sumDyXhat / count)
                    : k * dy.data[i]
            }
        }
        return dx
    }
}

/// The gradient of a `BatchNorm`'s γ and β.
public struct BatchNormGradient<Scalar: BLASScalar>: Sendable, Equatable {
    public var gamma: [Scalar]
    public var beta: [Scalar]
    public init(channels: Int) {
        gamma = [Scalar](repeating: 0, count: channels)
        beta = [Scalar](repeating: 0, count: channels)
    }
}

/// A fully connected layer logits = W·x + b on pooled features (W is classes×C, column-major).
public struct Dense<Scalar: BLASScalar>: Sendable, Equatable {
    public var weights: Matrix<Scalar>
    public var bias: [Scalar]

    public init<G: RandomNumberGenerator>(inputs: Int, outputs: Int, using g: inout G) {
        let std = (1 / Scalar(inputs)).squareRoot()
        weights = Matrix(rows: outputs, columns: inputs, columnMajor: (0..<(inputs * outputs)).map { _ in std * Scalar(Gaussian.sample(using: &g)) })
        bias = [Scalar](repeating: 0, count: outputs)
    }

    /// Logits (classes × N) for features (C × N).
    public func forward(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        var y = weights * x
        for n in 0..<y.columns { for k in 0..<y.rows { y[k, n] += bias[k] } }
        return y
    }

    /// dx (C × N) for dlogits, accumulating dW = dy·xᵀ and db = Σ_n dy.
    public func backward(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>, gradient g: inout DenseGradient<Scalar>) -> Matrix<Scalar> {
        Matrix.gemm(dy, x, transposeB: true, beta: 1, into: &g.weights)
        for n in 0..<dy.columns { for k in 0..<dy.rows { g.bias[k] += dy[k, n] } }
        var dx = Matrix<Scalar>(rows: x.rows, columns: x.columns)
        Matrix.gemm(weights, transposeA: true, dy, into: &dx)
        return dx
    }
}

/// The gradient of a `Dense` layer.
public struct DenseGradient<Scalar: BLASScalar>: Sendable, Equatable {
    public var weights: Matrix<Scalar>
    public var bias: [Scalar]
    public init(for layer: Dense<Scalar>) {
        weights = Matrix(rows: layer.weights.rows, columns: layer.weights.columns)
        bias = [Scalar](repeating: 0, count: layer.bias.count)
    }
}

/// Mean softmax cross-entropy over a batch, computed stably (log-sum-exp with the max subtracted).
public enum SoftmaxCrossEntropy {
    /// The mean loss, the number of correct arg-max predictions, and d loss / d logits.
    public static func evaluate<T: BLASScalar>(logits: Matrix<T>, labels: [Int]) -> (loss: Double, correct: Int, gradient: Matrix<T>) {
        precondition(logits.columns == labels.count, "SoftmaxCrossEntropy: \(labels.count) labels for \(logits.columns) samples")
        var gradient = logits
        var loss = 0.0, correct = 0
        let n = T(labels.count)
        for j in 0..<logits.columns {
            var best = 0
            var m = logits[0, j]
            for k in 0..<logits.rows where logits[k, j] > m {
                m = logits[k, j]
                best = k
            }
            if best == labels[j] { correct += 1 }
            var sum: T = 0
            for k in 0..<logits.rows { sum += T.exp(logits[k, j] - m) }
            loss += Double(T.log(sum) + m - logits[labels[j], j])
            for k in 0..<logits.rows {
                gradient[k, j] = (T.exp(logits[k, j] - m) / sum - (k == labels[j] ? 1 : 0)) / n
            }
        }
        return (loss / Double(labels.count), correct, gradient)
    }
}

extension BatchNorm: ParameterLayout {
    /// γ, β (the running statistics are state, not parameters).
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.gamma, \.beta] }
}

extension BatchNormGradient: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.gamma, \.beta] }
}

extension Dense: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.weights.elements, \.bias] }
}

extension DenseGradient: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.weights.elements, \.bias] }
}
