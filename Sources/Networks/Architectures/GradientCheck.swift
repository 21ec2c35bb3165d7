import LinearAlgebra

/// Checks a network's gradients two ways (`dynamics gradcheck`): reversible against stored
/// backpropagation, and stored backpropagation against central finite differences of the loss.
public enum GradientCheck {
    /// The largest relative difference |a − b| / max(|a|, |b|, floor) over all entries.
    public static func maxRelativeDifference<T: BLASScalar>(_ a: [T], _ b: [T], floor: T) -> Double {
        zip(a, b).map { Double(abs($0 - $1) / max(abs($0), abs($1), floor)) }.max() ?? 0
    }

    /// All gradient entries of a network, flattened in parameter order.
    public static func flatten<F: BlockFamily>(_ g: NetworkGradient<F>) -> [F.Scalar] {
        var copy = g, out: [F.Scalar] = []
        copy.visitParameters { out += $0 }
        return out
    }

    /// Reversible vs stored gradients on one batch (max relative difference; entries smaller than
    /// 1e-3 of the largest are compared against that floor, as their relative error is rounding).
    public static func reversibleVsStored<F: ReversibleBlockFamily>(_ network: Network<F>, images: Tensor<F.Scalar>, labels: [Int]) -> Double {
        var a = network, b = network
        let stored = flatten(a.gradient(images: images, labels: labels, backprop: .stored).gradient)
        let reversible = flatten(b.gradient(images: images, labels: labels, backprop: .reversible).gradient)
        let scale = stored.map { abs($0) }.max() ?? 1
        return maxRelativeDifference(stored, reversible, floor: 1e-3 * scale)
    }

    /// Backpropagated vs central-difference derivatives of the loss for `samples` parameters
    /// drawn across all arrays (step 1e-5 relative: truncation ~1e-10, rounding ~1e-11 in Double).
    public static func finiteDifferences<F: BlockFamily>(_ network: Network<F>, images: Tensor<F.Scalar>, labels: [Int],
                                                         samples: Int, seed: UInt64) -> Double {
        var n = network
        let analytic = flatten(n.gradient(images: images, labels: labels).gradient)
        let scale = analytic.map { abs($0) }.max() ?? 1
        var g = SeededGenerator(seed: seed)
        var worst = 0.0
        for _ in 0..<samples {
            let index = Int.random(in: 0..<analytic.count, using: &g)
            func loss(_ delta: F.Scalar) -> Double {
                var perturbed = network
                var k = 0
                perturbed.visitParameters { array in
                    if index >= k && index < k + array.count { array[index - k] += delta }
                    k += array.count
                }
                return perturbed.gradient(images: images, labels: labels).loss
            }
            var value: F.Scalar = 0
            var k = 0
            var copy = network
            copy.visitParameters { array in
                if index >= k && index < k + array.count { value = array[index - k] }
                k += array.count
            }
            let h = F.Scalar(1e-5) * max(1, abs(value))
            let numeric = F.Scalar((loss(h) - loss(-h)) / (2 * Double(h)))
            worst = max(worst, maxRelativeDifference([numeric], [analytic[index]], floor: F.Scalar(1e-3) * scale))
        }
        return worst
    }
}

/// A fresh network of an architecture and one labelled batch: what the gradient checks run on.
public struct GradientCheckBatch<Scalar: BLASScalar> {
    public var architecture: Architecture
    public var images: Tensor<Scalar>
    public var labels: [Int]
    public var classes: Int
    /// The seed of the network's weights (and, plus one, of the sampled parameters).
    public var seed: UInt64

    public init(architecture: Architecture, images: Tensor<Scalar>, labels: [Int], classes: Int, seed: UInt64) {
        self.architecture = architecture
        self.images = images
        self.labels = labels
        self.classes = classes
        self.seed = seed
    }

    func network<F: BlockFamily>(_: F.Type) -> Network<F> where F.Scalar == Scalar {
        Network<F>(architecture, inputChannels: images.channels, classes: classes, seed: seed)
    }
}

/// `GradientCheck.reversibleVsStored` on a batch; nil for a block without an exact inverse step.
public struct ReversibleVsStoredCheck<Scalar: BLASScalar>: NetworkExperiment {
    public var batch: GradientCheckBatch<Scalar>

    public init(_ batch: GradientCheckBatch<Scalar>) { self.batch = batch }

    public func run<F: BlockFamily>(_: F.Type) -> Double? where F.Scalar == Scalar { nil }

    public func run<F: ReversibleBlockFamily>(reversible family: F.Type) -> Double? where F.Scalar == Scalar {
        GradientCheck.reversibleVsStored(batch.network(family), images: batch.images, labels: batch.labels)
    }
}

/// `GradientCheck.finiteDifferences` on a batch, at `samples` parameters.
public struct FiniteDifferenceCheck<Scalar: BLASScalar>: NetworkExperiment {
    public var batch: GradientCheckBatch<Scalar>
    public var samples: Int

    public init(_ batch: GradientCheckBatch<Scalar>, samples: Int) {
        self.batch = batch
        self.samples = samples
    }

    public func run<F: BlockFamily>(_ family: F.Type) -> Double where F.Scalar == Scalar {
        GradientCheck.finiteDifferences(batch.network(family), images: batch.images, labels: batch.labels, samples: samples,
                                        seed: batch.seed &+ 1)
    }
}
