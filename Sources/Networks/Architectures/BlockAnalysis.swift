import Integrators
import LinearAlgebra

/// One block of a family on a random feature map with random weights: the objects of
/// `dynamics eig --block` and `dynamics reverse --arch`.
public struct BlockSetup<Scalar: BLASScalar>: Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var stepSize: Double?
    public var activation: Activation
    public var seed: UInt64

    public init(channels: Int, height: Int, width: Int, stepSize: Double?, activation: Activation, seed: UInt64) {
        self.channels = channels
        self.height = height
        self.width = width
        self.stepSize = stepSize
        self.activation = activation
        self.seed = seed
    }

    /// A random feature map (one image, standard normal entries).
    func input(using g: inout SeededGenerator) -> Tensor<Scalar> {
        Tensor(channels: channels, batch: 1, height: height, width: width,
               data: (0..<(channels * height * width)).map { _ in Scalar(Gaussian.sample(using: &g)) })
    }
}

/// The dense Jacobians of a block's vector field and of one block step at a random input, and
/// the step size used (the setup's, or the block's default).
public struct BlockJacobians<Scalar: BLASScalar>: NetworkExperiment {
    public var setup: BlockSetup<Scalar>

    public init(_ setup: BlockSetup<Scalar>) { self.setup = setup }

    public func run<F: BlockFamily>(_: F.Type) throws -> (field: Matrix<Scalar>, step: Matrix<Scalar>, stepSize: Scalar)
    where F.Scalar == Scalar {
        var g = SeededGenerator(seed: setup.seed)
        let field = F.makeField(channels: setup.channels, activation: setup.activation, scratch: Scratch(), using: &g)
        let x = setup.input(using: &g)
        let h = setup.stepSize.map { Scalar($0) } ?? F.defaultStepSize
        let step = StateJacobian.of({ s in
            var method = F.makeMethod(), y = s
            method.step(field, &y, time: 0, stepSize: h)
            return y
        }, at: F.state(from: x))
        return (F.fieldJacobian(field, at: x), step, h)
    }
}

/// N blocks with independent random weights forward from a random input, then N back with the
/// exact inverse step: how well is the input recovered? (Chang et al. 2018, §3.)
public struct BlockReversibility<Scalar: BLASScalar>: NetworkExperiment {
    public var setup: BlockSetup<Scalar>
    public var depth: Int

    public init(_ setup: BlockSetup<Scalar>, depth: Int) {
        precondition(depth > 0, "BlockReversibility: depth must be positive")
        self.setup = setup
        self.depth = depth
    }

    /// (n, ‖x̂₀ − x₀‖/‖x₀‖) for n = 1, 10, 100, … ≤ depth, and depth.
    public func run<F: BlockFamily>(_: F.Type) throws -> [(blocks: Int, error: Double)] where F.Scalar == Scalar {
        guard let unstep = F.unstep else {
            throw ArchitectureError("\(F.name) blocks have no exact inverse step (forward Euler is not reversible)")
        }
        var g = SeededGenerator(seed: setup.seed)
        let scratch = Scratch<Scalar>()
        let fields = (0..<depth).map { _ in F.makeField(channels: setup.channels, activation: setup.activation, scratch: scratch, using: &g) }
        let x0 = F.state(from: setup.input(using: &g))
        let h = setup.stepSize.map { Scalar($0) } ?? F.defaultStepSize
        var method = F.makeMethod()
        return Reversibility<Double>.checkpoints(upTo: depth).map { n in
            var x = x0
            for j in 0..<n { method.step(fields[j], &x, time: Scalar(j) * h, stepSize: h) }
            for j in (0..<n).reversed() { unstep(&method, fields[j], &x, Scalar(j + 1) * h, h) }
            return (n, Double(x.distance(to: x0) / x0.norm))
        }
    }
}

/// Finite-time growth of a perturbation through N blocks with independent random weights:
/// ‖x̃_n − x_n‖/‖x̃_0 − x_0‖ for a random initial perturbation of relative size √ε — the
/// network-depth analogue of a finite-time Lyapunov exponent (stable blocks keep it O(1)).
public struct PerturbationGrowth<Scalar: BLASScalar>: NetworkExperiment {
    public var setup: BlockSetup<Scalar>
    public var depth: Int
    /// One set of weights for every block (an autonomous ODE) instead of independent ones.
    public var sharedWeights: Bool

    public init(_ setup: BlockSetup<Scalar>, depth: Int, sharedWeights: Bool = false) {
        precondition(depth > 0, "PerturbationGrowth: depth must be positive")
        self.setup = setup
        self.depth = depth
        self.sharedWeights = sharedWeights
    }

    /// (n, growth) for n = 0, 1, …, depth.
    public func run<F: BlockFamily>(_: F.Type) throws -> [(blocks: Int, growth: Double)] where F.Scalar == Scalar {
        var g = SeededGenerator(seed: setup.seed)
        let scratch = Scratch<Scalar>()
        let fields = (0..<(sharedWeights ? 1 : depth)).map { _ in
            F.makeField(channels: setup.channels, activation: setup.activation, scratch: scratch, using: &g)
        }
        let input = setup.input(using: &g)
        var direction = setup.input(using: &g)
        direction.scale(by: Scalar.ulpOfOne.squareRoot() * input.norm / direction.norm)
        var perturbedInput = input
        perturbedInput.add(direction)
        var x = F.state(from: input), y = F.state(from: perturbedInput)
        let d0 = Double(y.distance(to: x))
        let h = setup.stepSize.map { Scalar($0) } ?? F.defaultStepSize
        var method = F.makeMethod()
        var growth: [(Int, Double)] = [(0, 1)]
        for j in 0..<depth {
            let field = fields[sharedWeights ? 0 : j]
            method.step(field, &x, time: Scalar(j) * h, stepSize: h)
            method.step(field, &y, time: Scalar(j) * h, stepSize: h)
            growth.append((j + 1, Double(y.distance(to: x)) / d0))
        }
        return growth
    }
}
