import Integrators
import LinearAlgebra

/// How much of the forward pass to keep for backpropagation.
public enum Backprop: String, Sendable, Codable, CaseIterable {
    /// Keep every unit's input.
    case stored
    /// Keep only states at segment boundaries; rebuild the rest with `unstep`.
    case reversible

    /// Reversible where the block has an exact inverse step, stored otherwise.
    public static func `default`(for block: Block) -> Backprop { block.isReversible ? .reversible : .stored }
}

/// A network of the paper's shape whose units are steps of `Family.Method`.
///
/// Units are held in one list; `widths[j]` is the channel count unit j runs at, and a
/// transition (downsampling) follows each unit in `transitions`. Backpropagation comes in two
/// modes with the same gradients: `.stored` keeps every unit's input; `.reversible` keeps only
/// the states at segment boundaries and rebuilds each unit's input with the method's exact
/// inverse step (Chang et al. 2018, Algorithm 1), so memory does not grow with depth.
public struct Network<Family: BlockFamily> {
    public typealias Scalar = Family.Scalar
    public typealias State = Family.Method.State

    public let architecture: Architecture
    public let inputChannels: Int
    public let classes: Int
    /// σ(Kx + b), or σ(BN(Kx)) with batch norm (the authors' conv–BN–ReLU stem); σ = ReLU.
    public var stem: HiddenLayer<Scalar>
    public var units: [Family.Field]
    public let widths: [Int]
    /// Stage (0, 1, 2) of each unit.
    public let stages: [Int]
    /// Indices of the units followed by a transition to the next stage's width.
    public let transitions: Set<Int>
    /// With `TransitionStyle.strided`, the unit that replaces each transition unit j. The unit
    /// list then holds an empty field at j (no parameters, never evaluated), so that indices,
    /// stages and widths stay those of `Architecture.unitLayout`.
    public var downsamplers: [Int: DownsamplingUnit<Scalar>] = [:]
    /// The head's batch norm (before ReLU, pooling and the classifier), in every network.
    public var norm: BatchNormLayer<Scalar>
    public var classifier: Dense<Scalar>
    public var stepSize: Scalar
    public let scratch: Scratch<Scalar>

    /// A fresh network with seeded weights, computing with `context`.
    public init(_ architecture: Architecture, inputChannels: Int, classes: Int, seed: UInt64, context: ComputeContext = ComputeContext()) {
        self.architecture = architecture
        self.inputChannels = inputChannels
        self.classes = classes
        var g = SeededGenerator(seed: seed)
        let scratch = Scratch<Scalar>(context: context)
        self.scratch = scratch
        let f = architecture.filters
        stem = HiddenLayer(inputChannels: inputChannels, outputChannels: f[0], normalization: architecture.normalization,
                           activation: .relu, preActivation: false, using: &g)
        let layout = architecture.unitLayout
        widths = layout.map(\.width)
        stages = layout.map(\.stage)
        transitions = Set(layout.indices.filter { layout[$0].transition })
        let strided = architecture.transitions == .strided
        var units: [Family.Field] = [], downsamplers: [Int: DownsamplingUnit<Scalar>] = [:]
        for (j, l) in layout.enumerated() {
            let downsamples = strided && l.transition
            units.append(Family.makeField(channels: downsamples ? 0 : l.width, activation: architecture.activation,
                                          normalization: architecture.normalization, scratch: scratch, using: &g))
            if downsamples {
                downsamplers[j] = DownsamplingUnit(inputChannels: l.width, outputChannels: f[l.stage + 1], coupled: Family.splitsChannels,
                                                   activation: architecture.activation, normalization: architecture.normalization, using: &g)
            }
        }
        self.units = units
        self.downsamplers = downsamplers
        norm = BatchNormLayer(channels: f[3])
        classifier = Dense(inputs: f[3], outputs: classes, using: &g)
        stepSize = Scalar(architecture.resolvedStepSize)
        // Number the batch norms, so a pass can record each one's statistics.
        var slot = 0
        visitNormalizations { layer in
            layer.slot = slot
            slot += 1
        }
        norm.slot = slot
    }

    /// Calls `body` on the enabled batch norms inside the network, in a fixed order: the
    /// stem's, then each unit's or downsampling unit's (the head's `norm` is not one of them).
    public mutating func visitNormalizations(_ body: (inout BatchNormLayer<Scalar>) -> Void) {
        for p in HiddenLayer<Scalar>.normalizationPaths where stem[keyPath: p].isEnabled { body(&stem[keyPath: p]) }
        let paths = Family.Field.normalizationPaths
        for j in units.indices {
            for p in paths where units[j][keyPath: p].isEnabled { body(&units[j][keyPath: p]) }
            downsamplers[j]?.visitNormalizations(body)
        }
    }

    /// Folds the batch statistics recorded in a training pass into the running ones, once.
    mutating func foldRecordedStatistics() {
        var recorded = scratch.recordedStatistics
        for c in 0..<scratch.chunkCount { recorded.merge(scratch.chunk(c).recordedStatistics) { first, _ in first } }
        scratch.clearRecordedStatistics()
        visitNormalizations { layer in
            guard let (mean, variance) = recorded[layer.slot] else { return }
            layer.fold(mean: mean, variance: variance)
        }
        if let (mean, variance) = recorded[norm.slot] { norm.fold(mean: mean, variance: variance) }
    }

    /// Where the head's batch norm keeps what its backward pass needs (on the network's own
    /// scratch, apart from the stem's keys).
    static var headStash: Int { 100 }

    /// Downsamples every tensor of a state from unit j's width to its stage's width.
    func transition(_ s: State, after j: Int) -> State {
        let from = widths[j], to = architecture.filters[stages[j] + 1]
        return s.mapTensors { Downsampling.apply($0, channels: $0.channels * to / from) }
    }

    func transitionAdjoint(_ ds: State, after j: Int, height: Int, width: Int) -> State {
        let from = widths[j], to = architecture.filters[stages[j] + 1]
        return ds.mapTensors { Downsampling.adjoint($0, channels: $0.channels * from / to, height: height, width: width) }
    }

    /// Runs of consecutive units at one width with no transition inside: a segment ends after a
    /// unit followed by a transition, and a downsampling unit is in none. What reversible
    /// backpropagation rebuilds between kept states, and what `SegmentGrowth` reports on.
    public var segments: [Range<Int>] {
        var result: [Range<Int>] = [], start: Int?
        for j in units.indices {
            if downsamplers[j] != nil {
                if let s = start { result.append(s..<j) }
                start = nil
                continue
            }
            if start == nil { start = j }
            if transitions.contains(j), let s = start {
                result.append(s..<(j + 1))
                start = nil
            }
        }
        if let s = start { result.append(s..<units.count) }
        return result
    }

    // MARK: Forward

    /// What a forward pass keeps for the backward pass.
    public struct Tape {
        var images: Tensor<Scalar>
        /// σ(stem), where σ' is read off.
        var stemActivated: Tensor<Scalar>
        /// Per image chunk (`imageChunks`): stored mode, the input of every unit.
        var unitInputs: [Int: [State]] = [:]
        /// Per image chunk: the output of each transition unit before downsampling.
        var unitOutputs: [Int: [State]] = [:]
        /// Per image chunk: the state after the last unit (and its transition).
        var final: [State]
        /// σ(batch norm of the last feature map).
        var headActivated: Tensor<Scalar>
        var pooled: Matrix<Scalar>
        var logits: Matrix<Scalar>

    }

    /// The forward pass on channel-major images; `training` selects batch statistics (and
    /// updates the running ones once). The units run on `imageChunks`, in parallel. With
    /// `.reversible`, the inputs of the units in `storing` are kept too (a segment that falls
    /// back to stored activations: `RebuildPlan`).
    public mutating func forward(_ images: Tensor<Scalar>, training: Bool, keep backprop: Backprop?, storing: Set<Int> = []) -> Tape {
        scratch.setNormalization(training ? .recordingBatch : .running)
        var x = Tensor<Scalar>(channels: stem.hiddenChannels, batch: images.batch, height: images.height, width: images.width)
        stem.activations(images, into: &x, scratch: scratch)
        let chunks = imageChunks(images.batch), fields = chunkUnits(chunks.count)
        var states = chunks.map { Family.state(from: x.images($0)) }
        var methods = chunks.map { _ in Family.makeMethod() }
        var inputs: [Int: [State]] = [:], outputs: [Int: [State]] = [:]
        for j in units.indices {
            if backprop == .stored || (backprop != nil && storing.contains(j)) { inputs[j] = states }
            if let d = downsamplers[j] {
                // Not invertible: its input is kept in both modes.
                if backprop != nil { inputs[j] = states }
                states = chunks.indices.map { c in Family.state(from: d.forward(Family.tensor(from: states[c]), scratch: scratch.chunk(c))) }
                continue
            }
            let t = Scalar(j) * stepSize, h = stepSize
            states.withUnsafeMutableBufferPointer { s in
                methods.withUnsafeMutableBufferPointer { m in
                    Workers.forEachIndex(chunks.count, workers: scratch.context.threads) { c in m[c].step(fields[c][j], &s[c], time: t, stepSize: h) }
                }
            }
            if transitions.contains(j) {
                if backprop != nil { outputs[j] = states }
                states = states.map { transition($0, after: j) }
            }
        }
        let features = Tensor.concatenatingImages(states.map(Family.tensor(from:)))
        var relu = features
        norm.forward(features, into: &relu, activating: .relu, stash: Self.headStash, scratch: scratch)
        if training { foldRecordedStatistics() }
        let pooled = Self.globalAveragePool(relu)
        let logits = classifier.forward(pooled)
        return Tape(images: images, stemActivated: x, unitInputs: inputs, unitOutputs: outputs, final: states, headActivated: relu,
                    pooled: pooled, logits: logits)
    }

    /// The image ranges the units run on: near-equal chunks of at most `context.chunkImages`
    /// images, a multiple of the context's thread count of them, each run on one worker (the
    /// kernels inside it single-threaded). Blocks without batch norm have no batch coupling, so
    /// this is the same computation as on the whole batch; only the order of floating-point sums
    /// depends on the context. Blocks with batch norm normalise over the whole batch, so they
    /// run as one chunk, their kernels threaded inside.
    func imageChunks(_ batch: Int) -> [Range<Int>] {
        if architecture.normalization == .batch { return [0..<batch] }
        let workers = scratch.context.threads, size = scratch.context.chunkImages
        let rounds = max(1, (batch + size * workers - 1) / (size * workers))
        let count = max(1, min(batch, workers * rounds))
        return (0..<count).map { k in (batch * k / count)..<(batch * (k + 1) / count) }
    }

    /// The units once per chunk, each copy bound to that chunk's scratch.
    func chunkUnits(_ count: Int) -> [[Family.Field]] {
        (0..<count).map { c in
            let s = scratch.chunk(c)
            return units.map { unit in
                var f = unit
                f.scratch = s
                return f
            }
        }
    }

    /// (C × N) means over each image's plane.
    static func globalAveragePool(_ x: Tensor<Scalar>) -> Matrix<Scalar> {
        var m = Matrix<Scalar>(rows: x.channels, columns: x.batch)
        let plane = x.planeSize
        for c in 0..<x.channels {
            for n in 0..<x.batch {
                let base = (c * x.batch + n) * plane
                m[c, n] = x.data[base..<(base + plane)].reduce(0, +) / Scalar(plane)
            }
        }
        return m
    }

    // MARK: Backward

    /// Loss, accuracy and the gradient of the mean cross-entropy for a batch, by stored
    /// backpropagation (every family; `backprop:` is there for reversible ones).
    public mutating func gradient(images: Tensor<Scalar>, labels: [Int]) -> (loss: Double, correct: Int, gradient: NetworkGradient<Family>) {
        var g = NetworkGradient(zeroFor: self)
        let (loss, correct) = accumulateGradient(images: images, labels: labels, into: &g)
        return (loss, correct, g)
    }

    /// Loss and accuracy for a batch, with the gradient of the mean cross-entropy *added* to `g`
    /// (an optimiser's velocity can take it directly: `SGD`), by stored backpropagation.
    /// With `buckets`, each part of the gradient is handed to them as soon as it is final
    /// (data-parallel training starts its all-reduce then).
    public mutating func accumulateGradient(images: Tensor<Scalar>, labels: [Int], into g: inout NetworkGradient<Family>,
                                            buckets: GradientBuckets<Family>? = nil) -> (loss: Double, correct: Int) {
        let tape = forward(images, training: true, keep: .stored)
        let (loss, correct, _) = backward(tape, labels: labels, into: &g, buckets: buckets) { method, field, y, time, h, cotangent, gradient, input in
            guard let input else { preconditionFailure("Network: a stored forward pass keeps every unit's input") }
            Self.storedBackward(&method, field, &y, time, h, &cotangent, &gradient, input)
        }
        return (loss, correct)
    }

    /// A unit's backward step from its stored input: the pullback linearised there; the
    /// output becomes the input.
    static func storedBackward(_ method: inout Family.Method, _ field: Family.Field, _ y: inout State, _ time: Scalar, _ h: Scalar,
                               _ cotangent: inout State, _ gradient: inout Family.Method.Parameters, _ input: State) {
        method.pullback(field, from: input, to: y, time: time, stepSize: h, cotangent: &cotangent, parameters: &gradient)
        y = input
    }

    /// One unit's backward step on one chunk: (method, field, the unit's output (to become its
    /// input), time, h, cotangent, gradient, the stored input if kept).
    typealias UnitBackward = (inout Family.Method, Family.Field, inout State, Scalar, Scalar, inout State,
                              inout Family.Method.Parameters, State?) -> Void

    /// The backward pass from a tape: head, then the units last to first with `unitBackward`,
    /// then the stem; each part of the gradient goes to `buckets` once final (the head's, each
    /// stage's, the stem's). In a data-parallel run (`Scratch.replicas`) the loss is the mean
    /// over every rank's images, of which this rank returns and differentiates its share.
    /// Returns loss and correct predictions and, when `measuring`, the relative
    /// reconstruction error of every segment whose inputs were rebuilt (by its first unit,
    /// `reconstructionError(_:truth:)`): where the pass leaves a segment, the state it rebuilt
    /// is compared with the one known there (the stem's output, a transition of a kept output,
    /// or a downsampling unit's output recomputed from its kept input).
    mutating func backward(_ tape: Tape, labels: [Int], into g: inout NetworkGradient<Family>, measuring: Bool = false,
                           buckets: GradientBuckets<Family>? = nil,
                           unitBackward: UnitBackward) -> (loss: Double, correct: Int, reconstruction: [Int: Double]) {
        // The backward pass differentiates through the batch's statistics; rebuilding a unit's
        // activations (stored inputs, or inputs reconstructed by the inverse step) recomputes
        // them, without recording them again.
        scratch.setNormalization(.batch)
        let total = scratch.replicas.map { Int($0.sum([Double(labels.count)])[0]) }
        let (loss, correct, dLogits) = SoftmaxCrossEntropy.evaluate(logits: tape.logits, labels: labels, averagingOver: total)
        // Head.
        let dPooled = classifier.backward(dLogits, input: tape.pooled, gradient: &g.classifier)
        var dRelu = Tensor<Scalar>(channels: tape.headActivated.channels, batch: tape.headActivated.batch,
                                   height: tape.headActivated.height, width: tape.headActivated.width)
        let plane = dRelu.planeSize
        for c in 0..<dRelu.channels {
            for n in 0..<dRelu.batch {
                let v = dPooled[c, n] / Scalar(plane), base = (c * dRelu.batch + n) * plane
                for i in 0..<plane { dRelu.data[base + i] = v }
            }
        }
        Elementwise.multiplyByDerivative(&dRelu, .relu, activated: tape.headActivated)
        norm.backward(&dRelu, stash: Self.headStash, scale: 1, gradient: &g.norm, scratch: scratch)
        buckets?.partFinal(.head, g)
        let dFeature = dRelu
        // Units, last to first, on the forward pass's chunks; each unit's gradient is summed
        // over the chunks in chunk order.
        let chunks = imageChunks(tape.images.batch), fields = chunkUnits(chunks.count)
        var ys = tape.final
        var cotangents = chunks.indices.map { c in Family.stateCotangent(from: dFeature.images(chunks[c]), like: ys[c]) }
        var methods = chunks.map { _ in Family.makeMethod() }
        var reconstruction: [Int: Double] = [:]
        /// Whether unit k's input was rebuilt (not kept), so that `ys` holds a reconstruction.
        func rebuilt(_ k: Int) -> Bool { measuring && k < units.count && downsamplers[k] == nil && tape.unitInputs[k] == nil }
        for j in units.indices.reversed() {
            defer {
                // A stage's gradient is final once its first unit is done.
                if let buckets {
                    if j == 0 || stages[j - 1] != stages[j] { buckets.partFinal(.units(j..<(stages.lastIndex(of: stages[j])! + 1)), g) }
                    buckets.unitFinished()
                }
            }
            if let d = downsamplers[j] {
                guard let inputs = tape.unitInputs[j], g.downsamplers[j] != nil else {
                    preconditionFailure("Network: a downsampling unit's input is kept by every forward pass that backpropagates")
                }
                if rebuilt(j + 1) {
                    reconstruction[j + 1] = Self.reconstructionError(ys, truth: chunks.indices.map { c in
                        Family.state(from: d.forward(Family.tensor(from: inputs[c]), scratch: scratch.chunk(c)))
                    })
                }
                for c in chunks.indices {
                    let dx = d.pullback(at: Family.tensor(from: inputs[c]), cotangent: Family.tensorCotangent(from: cotangents[c]),
                                        gradient: &g.downsamplers[j]!, scratch: scratch.chunk(c))
                    cotangents[c] = Family.stateCotangent(from: dx, like: inputs[c])
                }
                ys = inputs
                continue
            }
            if let before = tape.unitOutputs[j] {
                if rebuilt(j + 1) { reconstruction[j + 1] = Self.reconstructionError(ys, truth: before.map { transition($0, after: j) }) }
                for c in chunks.indices {
                    let shape = Family.tensor(from: before[c])
                    cotangents[c] = transitionAdjoint(cotangents[c], after: j, height: shape.height, width: shape.width)
                }
                ys = before
            }
            var partial = chunks.map { _ in units[j].zeroGradient() }
            let inputs = tape.unitInputs[j], t = Scalar(j) * stepSize, h = stepSize
            ys.withUnsafeMutableBufferPointer { y in
                cotangents.withUnsafeMutableBufferPointer { d in
                    methods.withUnsafeMutableBufferPointer { m in
                        partial.withUnsafeMutableBufferPointer { p in
                            Workers.forEachIndex(chunks.count, workers: scratch.context.threads) { c in
                                unitBackward(&m[c], fields[c][j], &y[c], t, h, &d[c], &p[c], inputs?[c])
                            }
                        }
                    }
                }
            }
            for p in partial { g.units[j].add(p) }
        }
        if rebuilt(0) { reconstruction[0] = Self.reconstructionError(ys, truth: chunks.map { Family.state(from: tape.stemActivated.images($0)) }) }
        // Stem.
        // The stem's forward evaluation is the last on the network's own scratch (the units ran
        // on the chunks'), so what it kept for its pullback is still there.
        var dStem = Tensor.concatenatingImages(cotangents.map(Family.tensorCotangent(from:)))
        var unused = Tensor<Scalar>(channels: 0, batch: 0, height: 0, width: 0)
        stem.pullback(at: tape.images, activated: tape.stemActivated, hiddenCotangent: &dStem, scale: 1, input: &unused,
                      inputGradient: false, gradient: &g.stem, scratch: scratch)
        buckets?.partFinal(.stem, g)
        return (loss, correct, reconstruction)
    }

    /// ‖x̃ − x‖₂/‖x‖₂ over all chunks' coordinates: a rebuilt state x̃ against the true x
    /// (the absolute difference if x = 0). Accumulated in Double.
    static func reconstructionError(_ rebuilt: [State], truth: [State]) -> Double {
        var difference = 0.0, norm = 0.0
        for (a, b) in zip(rebuilt, truth) {
            for (u, v) in zip(a.coordinates, b.coordinates) {
                let d = Double(u) - Double(v)
                difference += d * d
                norm += Double(v) * Double(v)
            }
        }
        return norm > 0 ? (difference / norm).squareRoot() : difference.squareRoot()
    }

    /// Predicted classes (evaluation mode: running batch-norm statistics).
    public mutating func predict(_ images: Tensor<Scalar>) -> [Int] {
        let logits = forward(images, training: false, keep: nil).logits
        return (0..<logits.columns).map { n in (0..<logits.rows).max { logits[$0, n] < logits[$1, n] }! }
    }
}

extension Network where Family: ReversibleBlockFamily {
    /// Loss, accuracy and the gradient of the mean cross-entropy for a batch, by either mode.
    public mutating func gradient(images: Tensor<Scalar>, labels: [Int], backprop: Backprop)
        -> (loss: Double, correct: Int, gradient: NetworkGradient<Family>) {
        var g = NetworkGradient(zeroFor: self)
        let (loss, correct) = accumulateGradient(images: images, labels: labels, backprop: backprop, into: &g)
        return (loss, correct, g)
    }

    /// `accumulateGradient(images:labels:into:)` in either mode: `.reversible` keeps only the
    /// states at segment boundaries and rebuilds each unit's input with the method's exact
    /// inverse step fused with its pullback (`unstepWithPullback`).
    public mutating func accumulateGradient(images: Tensor<Scalar>, labels: [Int], backprop: Backprop,
                                            into g: inout NetworkGradient<Family>) -> (loss: Double, correct: Int) {
        guard backprop == .reversible else { return accumulateGradient(images: images, labels: labels, into: &g) }
        let (loss, correct, _) = accumulateGradient(images: images, labels: labels, rebuilding: RebuildPlan(), into: &g)
        return (loss, correct)
    }

    /// Reversible backpropagation as `plan` says: the segments it lists keep their units'
    /// inputs (stored backpropagation there), the others rebuild them by inverse steps; when
    /// it says to measure, also the relative reconstruction error of each rebuilt segment at
    /// its first unit (`ReconstructionCheck`). Measuring reads the pass, never changes it: the
    /// gradient is the same bit for bit.
    public mutating func accumulateGradient(images: Tensor<Scalar>, labels: [Int], rebuilding plan: RebuildPlan,
                                            into g: inout NetworkGradient<Family>, buckets: GradientBuckets<Family>? = nil)
        -> (loss: Double, correct: Int, reconstruction: [Int: Double]) {
        let storing = Set(segments.filter { plan.storedSegments.contains($0.lowerBound) }.joined())
        let tape = forward(images, training: true, keep: .reversible, storing: storing)
        return backward(tape, labels: labels, into: &g, measuring: plan.measure, buckets: buckets) { method, field, y, time, h, cotangent, gradient, input in
            if let input { return Self.storedBackward(&method, field, &y, time, h, &cotangent, &gradient, input) }
            method.unstepWithPullback(field, &y, time: time + h, stepSize: h, cotangent: &cotangent, parameters: &gradient)
        }
    }
}

/// The gradient of every parameter of a `Network`, in the network's order.
public struct NetworkGradient<Family: BlockFamily> {
    public var stem: HiddenGradient<Family.Scalar>
    public var units: [Family.Method.Parameters]
    public var downsamplers: [Int: DownsamplingGradient<Family.Scalar>]
    public var norm: BatchNormGradient<Family.Scalar>
    public var classifier: DenseGradient<Family.Scalar>

    public init(zeroFor n: Network<Family>) {
        stem = n.stem.zeroGradient()
        units = n.units.map { $0.zeroGradient() }
        downsamplers = n.downsamplers.mapValues { $0.zeroGradient() }
        norm = BatchNormGradient(channels: n.norm.gamma.count)
        classifier = DenseGradient(for: n.classifier)
    }
}

extension Network: Trainable {
    /// Stem, units in order, batch norm (γ, β), classifier (W, b).
    public mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        stem.visitParameters(body)
        for j in units.indices {
            units[j].visitParameters(body)
            downsamplers[j]?.visitParameters(body)
        }
        norm.visitParameters(body)
        classifier.visitParameters(body)
    }

    /// The same order, each array beside the gradient's (or an optimiser's velocity's), with
    /// whether it is a weight (a kernel or the classifier's matrix).
    public mutating func visitParameters(alongside g: inout NetworkGradient<Family>,
                                         _ body: (inout [Scalar], inout [Scalar], _ isWeight: Bool) -> Void) {
        stem.visitParameters(alongside: &g.stem, body)
        for j in units.indices {
            units[j].visitParameters(alongside: &g.units[j], body)
            // In place through the dictionaries (a gradient made for this network has an entry for every downsampler).
            downsamplers[j]?.visitParameters(alongside: &g.downsamplers[j]!, body)
        }
        norm.visitParameters(alongside: &g.norm, body)
        classifier.visitParameters(alongside: &g.classifier, body)
    }
}

extension NetworkGradient: Parameterized {
    public typealias Scalar = Family.Scalar

    /// The same order as `Network.visitParameters`.
    public mutating func visitParameters(_ body: (inout [Scalar]) -> Void) {
        stem.visitParameters(body)
        for j in units.indices {
            units[j].visitParameters(body)
            downsamplers[j]?.visitParameters(body)
        }
        norm.visitParameters(body)
        classifier.visitParameters(body)
    }
}
