import Integrators
import LinearAlgebra
import Stability

/// A linear map D: ℝⁿ → ℝᵐ known only by its products D·v and Dᵀ·u: the linearisation of part
/// of a trained network at one image's state, at sizes where the dense matrix does not fit. Its
/// largest singular values are the square roots of the largest eigenvalues of DᵀD, which ARPACK
/// finds from these products (`Arnoldi`).
protocol MatrixFreeOperator {
    /// n and m.
    var inputDimension: Int { get }
    var outputDimension: Int { get }
    /// y ← D·v (n values in, m out).
    mutating func product(_ v: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>)
    /// out ← Dᵀ·u (m values in, n out).
    mutating func adjoint(_ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>)
}

extension MatrixFreeOperator {
    /// The `count` largest singular values of D, from the largest eigenvalues of DᵀD: relative
    /// residual 1e-9, which bounds the error of an eigenvalue of the symmetric DᵀD (Bauer–Fike),
    /// so σ to 5e-10; a subspace of max(5k, 50) vectors, since the singular values can cluster
    /// (a leapfrog unit's pair map has them all near 1 + √2, 1e-6 apart).
    /// - Throws: `LinearAlgebraError` if ARPACK converges to fewer than `count`.
    mutating func leadingSingularValues(_ count: Int) throws -> [Double] {
        var middle = [Double](repeating: 0, count: outputDimension)
        var copy = self
        let result = try Arnoldi.eigenvalues(dimension: inputDimension, count: count, which: .largestMagnitude, tolerance: 1e-9,
                                             subspace: max(5 * count, 50)) { v, y in
            middle.withUnsafeMutableBufferPointer { m in
                copy.product(v, into: m.baseAddress!)
                copy.adjoint(m.baseAddress!, into: y)
            }
        }
        self = copy
        guard result.eigenvalues.count == count else {
            throw LinearAlgebraError.failed(routine: "dnaupd", info: result.eigenvalues.count,
                                            reason: "only \(result.eigenvalues.count) of the \(count) largest singular values converged; ask for fewer")
        }
        return result.eigenvalues.map { max(0, $0.real).squareRoot() }
    }
}

/// The propagator D = DΦ_n ⋯ DΦ_1 of a segment's units at one image's state (the method's
/// state: the pair for two-step methods): D·v by central differences of the composed steps
/// (`Linearization.product`), Dᵀ·u by the units' own pullbacks (those backpropagation runs,
/// exact) in reverse at the states one forward run recorded.
struct SegmentPropagator<Family: BlockFamily>: MatrixFreeOperator where Family.Scalar == Double {
    typealias State = Family.Method.State
    let fields: [Family.Field]
    let stepSize: Double
    /// The state before each unit, and after the last.
    let states: [State]
    let forward: Linearization<State>
    /// Where the pullbacks put the parameters' gradients, which are not wanted: allocated once.
    private var gradients: [Family.Method.Parameters]

    init(fields: [Family.Field], stepSize h: Double, at start: State) {
        self.fields = fields
        stepSize = h
        var method = Family.makeMethod(), s = start, states = [start]
        for (k, field) in fields.enumerated() {
            method.step(field, &s, time: Double(k) * h, stepSize: h)
            states.append(s)
        }
        self.states = states
        forward = Linearization(at: start) { s in
            var method = Family.makeMethod(), s = s
            for (k, field) in fields.enumerated() { method.step(field, &s, time: Double(k) * h, stepSize: h) }
            return s
        }
        gradients = fields.map { $0.zeroGradient() }
    }

    var inputDimension: Int { forward.dimension }
    var outputDimension: Int { forward.dimension }

    func product(_ v: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) { forward.product(v, into: y) }

    mutating func adjoint(_ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        var cotangent = states[states.count - 1]
        cotangent.setCoordinates(from: u)
        var method = Family.makeMethod()
        for k in fields.indices.reversed() {
            method.pullback(fields[k], from: states[k], to: states[k + 1], time: Double(k) * stepSize, stepSize: stepSize,
                            cotangent: &cotangent, parameters: &gradients[k])
        }
        cotangent.copyCoordinates(to: out)
    }
}

/// The Jacobian J of a trained network's map from the first unit's feature map to the last
/// one's (`Network.features(from:)`: transitions and downsampling units included, rectangular
/// when the stages change size) at one image: J·v by central differences (`forward`), Jᵀ·u by the pullbacks
/// in reverse — units, transitions' adjoints, downsampling units' — at the states one forward
/// run recorded, as the training backward pass chains them.
struct NetworkPropagator<Family: BlockFamily>: MatrixFreeOperator where Family.Scalar == Double {
    typealias State = Family.Method.State
    let network: Network<Family>
    /// The map to be linearised, at the image's first feature map.
    let forward: Linearization<Tensor<Double>>
    /// Each unit's input state, and its output before any transition (nil for downsampling units).
    let inputs: [State]
    let outputs: [State?]
    let final: State
    let outputDimension: Int
    private var gradients: [Family.Method.Parameters]
    private var downsamplerGradients: [Int: DownsamplingGradient<Double>]

    init(_ network: Network<Family>, at x: Tensor<Double>) {
        self.network = network
        forward = network.featureMap(at: x)
        var s = Family.state(from: x), method = Family.makeMethod()
        var inputs: [State] = [], outputs: [State?] = []
        for j in network.units.indices {
            inputs.append(s)
            if let d = network.downsamplers[j] {
                s = Family.state(from: d.forward(Family.tensor(from: s), scratch: network.scratch))
                outputs.append(nil)
                continue
            }
            method.step(network.units[j], &s, time: Double(j) * network.stepSize, stepSize: network.stepSize)
            outputs.append(s)
            if network.transitions.contains(j) { s = network.transition(s, after: j) }
        }
        self.inputs = inputs
        self.outputs = outputs
        final = s
        outputDimension = Family.tensor(from: s).data.count
        gradients = network.units.map { $0.zeroGradient() }
        downsamplerGradients = network.downsamplers.mapValues { $0.zeroGradient() }
    }

    var inputDimension: Int { forward.dimension }

    func product(_ v: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) { forward.product(v, into: y) }

    mutating func adjoint(_ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        var features = Family.tensor(from: final)
        for i in features.data.indices { features.data[i] = u[i] }
        var cotangent = Family.stateCotangent(from: features, like: final)
        var method = Family.makeMethod()
        for j in network.units.indices.reversed() {
            guard let output = outputs[j] else {
                guard let d = network.downsamplers[j], downsamplerGradients[j] != nil else {
                    preconditionFailure("NetworkPropagator: a unit without an output is a downsampling unit")
                }
                let dx = d.pullback(at: Family.tensor(from: inputs[j]), cotangent: Family.tensorCotangent(from: cotangent),
                                    gradient: &downsamplerGradients[j]!, scratch: network.scratch)
                cotangent = Family.stateCotangent(from: dx, like: inputs[j])
                continue
            }
            if network.transitions.contains(j) {
                let shape = Family.tensor(from: output)
                cotangent = network.transitionAdjoint(cotangent, after: j, height: shape.height, width: shape.width)
            }
            method.pullback(network.units[j], from: inputs[j], to: output, time: Double(j) * network.stepSize, stepSize: network.stepSize,
                            cotangent: &cotangent, parameters: &gradients[j])
        }
        let dx = Family.tensorCotangent(from: cotangent)
        for i in 0..<inputDimension { out[i] = dx.data[i] }
    }
}
