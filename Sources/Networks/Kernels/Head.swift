import LinearAlgebra
import RealModule

/// The gradient of a `BatchNormLayer`'s γ and β.
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
    /// The mean loss, the number of correct arg-max predictions, and d loss / d logits. With
    /// `total`, the sum is divided by `total` instead of the sample count: these samples' share
    /// of the mean over a larger batch (a rank's shard of a data-parallel batch).
    public static func evaluate<T: BLASScalar>(logits: Matrix<T>, labels: [Int], averagingOver total: Int? = nil)
        -> (loss: Double, correct: Int, gradient: Matrix<T>) {
        precondition(logits.columns == labels.count, "SoftmaxCrossEntropy: \(labels.count) labels for \(logits.columns) samples")
        precondition(total.map { $0 >= labels.count && $0 > 0 } ?? true, "SoftmaxCrossEntropy: a mean over \(total ?? 0) of \(labels.count) samples")
        var gradient = logits
        var loss = 0.0, correct = 0
        let count = total ?? labels.count, n = T(count)
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
        return (loss / Double(count), correct, gradient)
    }
}

extension BatchNormGradient: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.gamma, \.beta] }
}

extension Dense: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.weights.elements, \.bias] }
    public static var weightPaths: [WritableKeyPath<Self, [Scalar]>] { [\.weights.elements] }
}

extension DenseGradient: ParameterLayout {
    public static var parameterPaths: [WritableKeyPath<Self, [Scalar]>] { [\.weights.elements, \.bias] }
}
