import Integrators
import LinearAlgebra
import Stability

/// A kind of block: which integrator, on which layer-valued field, on which state. A block
/// *is* one step of an `Integrators` method; this type only says how a network's feature map
/// (a tensor of C channels) becomes the method's state and back.
public protocol BlockFamily {
    associatedtype Scalar: BLASScalar
    associatedtype Field: InitializableField & NamedParameters where Field.Scalar == Scalar, Field.Gradient == Method.Parameters
    associatedtype Method: DifferentiableIntegrator where Method.Field == Field, Method.State: TensorStructured & CoordinateState,
        Method.State.Scalar == Scalar, Method.Parameters: ParameterLayout, Method.Parameters.Scalar == Scalar

    /// The step size when none is given: 0.1 for the ODE blocks, 1 for ResNet and RevNet.
    static var defaultStepSize: Double { get }
    /// Whether the state is the pair of channel halves (Y, Z), so every width must be even.
    static var splitsChannels: Bool { get }
    /// The 3×3 convolutions a unit runs, which depth labels count: 4 for the Hamiltonian (K₁,
    /// K₁ᵀ, K₂, K₂ᵀ) and RevNet (two in F, two in G) units, 2 for the midpoint and leapfrog (K
    /// and Kᵀ) and ResNet (K₁, K₂) units.
    static var convolutionsPerUnit: Int { get }
    /// The method, configured (e.g. Verlet's staggered scheme).
    static func makeMethod() -> Method
    /// The parameters of one unit on a feature map of `width` channels (nil if the count
    /// overflows): what `makeField` allocates, counted without allocating it.
    static func unitParameterCount(width: Int, normalization: Normalization) -> Int?
    /// Whether the family's field has a batch-norm variant (`HiddenLayer`'s).
    static var normalizable: Bool { get }
    /// Whether its networks can widen with a `DownsamplingUnit` (`TransitionStyle.strided`):
    /// the residual blocks, ResNet and RevNet, whose standard form does.
    static var stridedTransitions: Bool { get }

    /// The block state of a feature map (the start of a stage: halves split, y₋₁ = y₀).
    static func state(from x: Tensor<Scalar>) -> Method.State
    /// The feature map of a block state (halves joined; the current y of a two-step pair).
    static func tensor(from s: Method.State) -> Tensor<Scalar>
    /// The adjoint of `tensor(from:)`: the state cotangent of a feature-map cotangent.
    static func stateCotangent(from dx: Tensor<Scalar>, like s: Method.State) -> Method.State
    /// The adjoint of `state(from:)`.
    static func tensorCotangent(from ds: Method.State) -> Tensor<Scalar>
    /// The state of the first-order vector field the block discretises: (Y, Z) for partitioned
    /// blocks and the midpoint blocks' halves, (Y, Y') for leapfrog, x for ResNet.
    associatedtype FirstOrderState: CoordinateState where FirstOrderState.Scalar == Scalar
    /// The first-order vector field the block discretises, at feature map x, to be linearised
    /// (densely or by products): the actual convolution operators, with the field's weights.
    static func firstOrderField(_ field: Field, at x: Tensor<Scalar>) -> Linearization<FirstOrderState>
}

/// A family whose method has an exact inverse step (`ReversibleDifferentiableIntegrator`):
/// reversible backpropagation and exact reconstruction are available at compile time.
public protocol ReversibleBlockFamily: BlockFamily where Method: ReversibleDifferentiableIntegrator {}

extension BlockFamily {
    /// The Jacobian of the first-order field at feature map x, by central differences.
    public static func fieldJacobian(_ field: Field, at x: Tensor<Scalar>) -> Matrix<Scalar> {
        firstOrderField(field, at: x).jacobian()
    }

    /// One step of the block (the method with `field`, from time t with step h) as a map on
    /// the method's state, to be linearised at `state`: for two-step methods the pair
    /// (y_{j−1}, y_j), whose eigenvalues include the parasitic roots.
    public static func step(_ field: Field, at state: Method.State, time t: Scalar, stepSize h: Scalar) -> Linearization<Method.State> {
        Linearization(at: state) { s in
            var method = makeMethod(), s = s
            method.step(field, &s, time: t, stepSize: h)
            return s
        }
    }

    public static var convolutionsPerUnit: Int { 4 }
    public static var normalizable: Bool { true }
    public static var stridedTransitions: Bool { false }

    /// A field for a feature map of `channels` channels (split into halves where the family
    /// splits channels), with fresh weights.
    public static func makeField(channels: Int, activation: Activation, normalization: Normalization, scratch: Scratch<Scalar>,
                                 using g: inout SeededGenerator) -> Field {
        Field(channels: splitsChannels ? channels / 2 : channels, activation: activation, normalization: normalization,
              scratch: scratch, using: &g)
    }
}

/// `count` 3×3 convolutions from `inputs` to `outputs` channels with biases: count·(9·in·out +
/// out) parameters, nil if that overflows.
func convolutionParameters(_ inputs: Int, _ outputs: Int, count: Int) -> Int? {
    SafeSize.product([9, inputs, outputs]).flatMap { w in
        let (perConvolution, overflow) = w.addingReportingOverflow(outputs)
        return overflow ? nil : SafeSize.product([count, perConvolution])
    }
}

/// The parameters of `count` residual functions on c channels (from `inputs` channels to c, if
/// given): a `HiddenLayer` each, and another convolution c → c (K₂, with its bias unless
/// normalised) where `second`.
func residualParameters(_ c: Int, from inputs: Int? = nil, count: Int, second: Bool, _ normalization: Normalization) -> Int? {
    let k2 = second ? SafeSize.product([9, c, c]).flatMap { SafeSize.sum([$0, normalization == .none ? c : 0]) } : 0
    return SafeSize.sum([HiddenLayer<Double>.parameterCount(inputs: inputs ?? c, outputs: c, normalization: normalization), k2])
        .flatMap { SafeSize.product([count, $0]) }
}

/// Hamiltonian and RevNet blocks step with staggered Störmer–Verlet (Chang et al. 2018, eq. 7;
/// Gomez et al. 2017's additive coupling is the same map with h = 1).
extension BlockFamily where Method == StormerVerlet<Field> {
    public static func makeMethod() -> Method { StormerVerlet(scheme: .staggered) }
}

/// (q, p) ↦ (velocity(p), force(q)) at x.
func partitionedField<F: PartitionedVectorField>(_ field: F, at x: PartitionedState<F.State>) -> Linearization<PartitionedState<F.State>>
where F.State: CoordinateState, F.Scalar: BLASScalar {
    Linearization(at: x) { s in
        var d = s
        field.velocity(s.p, time: 0, into: &d.q)
        field.force(s.q, time: 0, into: &d.p)
        return d
    }
}

/// Blocks on the channel halves (Y, Z) of a partitioned field (Hamiltonian, RevNet): the state
/// is the pair of halves, and the field's Jacobian is that of (Y, Z) ↦ (velocity(Z), force(Y)).
extension BlockFamily where Method.State == PartitionedState<Tensor<Scalar>>, Field: PartitionedVectorField, Field.State == Tensor<Scalar> {
    public static func state(from x: Tensor<Scalar>) -> Method.State { Halves.split(x) }
    public static func tensor(from s: Method.State) -> Tensor<Scalar> { Halves.join(s) }
    public static func stateCotangent(from dx: Tensor<Scalar>, like s: Method.State) -> Method.State { Halves.split(dx) }
    public static func tensorCotangent(from ds: Method.State) -> Tensor<Scalar> { Halves.join(ds) }
    public static var splitsChannels: Bool { true }
    public static func firstOrderField(_ field: Field, at x: Tensor<Scalar>) -> Linearization<PartitionedState<Tensor<Scalar>>> {
        partitionedField(field, at: Halves.split(x))
    }
}

/// Splitting and joining channel halves (Y, Z).
enum Halves {
    static func split<T>(_ x: Tensor<T>) -> PartitionedState<Tensor<T>> {
        precondition(x.channels % 2 == 0, "an odd number of channels (\(x.channels)) cannot split into halves")
        return PartitionedState(q: x.channels(0..<(x.channels / 2)), p: x.channels((x.channels / 2)..<x.channels))
    }

    static func join<T>(_ s: PartitionedState<Tensor<T>>) -> Tensor<T> { .concatenatingChannels(s.q, s.p) }
}

/// Hamiltonian blocks: staggered Störmer–Verlet on Y' = K₁ᵀσ(K₁Z + b₁), Z' = −K₂ᵀσ(K₂Y + b₂).
public enum HamiltonianFamily<Scalar: BLASScalar>: ReversibleBlockFamily {
    public typealias Field = HamiltonianField<Scalar>
    public typealias Method = StormerVerlet<HamiltonianField<Scalar>>
    public static var defaultStepSize: Double { 0.1 }
    /// K₁, K₂ (c → c, c = width/2) and their biases or batch norms.
    public static func unitParameterCount(width: Int, normalization: Normalization) -> Int? {
        residualParameters(width / 2, count: 2, second: false, normalization)
    }
}

/// RevNet blocks: additive coupling = staggered Verlet with h = 1 on residual functions F, G.
public enum RevNetFamily<Scalar: BLASScalar>: ReversibleBlockFamily {
    public typealias Field = RevNetField<Scalar>
    public typealias Method = StormerVerlet<RevNetField<Scalar>>
    public static var defaultStepSize: Double { 1 }
    public static var stridedTransitions: Bool { true }
    /// F and G, two convolutions each (c → c, c = width/2), with biases or batch norms.
    public static func unitParameterCount(width: Int, normalization: Normalization) -> Int? {
        residualParameters(width / 2, count: 2, second: true, normalization)
    }
}

/// Midpoint blocks: the two-step rule Y_{j+1} = Y_{j−1} + 2h f(Y_j) on the halves, Y₋₁ = Y₀.
public enum MidpointFamily<Scalar: BLASScalar>: ReversibleBlockFamily {
    public typealias Field = MidpointField<Scalar>
    public typealias Method = ExplicitMidpoint<MidpointField<Scalar>>
    public static var defaultStepSize: Double { 0.1 }
    public static var splitsChannels: Bool { true }
    public static func makeMethod() -> Method { ExplicitMidpoint() }
    public static var convolutionsPerUnit: Int { 2 }
    /// Its field is σ(Ax + b) with an anti-symmetric A, not a residual function with a hidden layer.
    public static var normalizable: Bool { false }
    /// K (c → c, c = width/2), b₁ and b₂.
    public static func unitParameterCount(width: Int, normalization: Normalization) -> Int? {
        convolutionParameters(width / 2, width / 2, count: 1).map { $0 + width / 2 }
    }
    public static func state(from x: Tensor<Scalar>) -> Method.State {
        let halves = Halves.split(x)
        return TwoStepState(previous: halves, current: halves)
    }
    public static func tensor(from s: Method.State) -> Tensor<Scalar> { Halves.join(s.current) }
    public static func stateCotangent(from dx: Tensor<Scalar>, like s: Method.State) -> Method.State {
        var zero = s.previous
        zero.scale(by: 0)
        return TwoStepState(previous: zero, current: Halves.split(dx))
    }
    public static func tensorCotangent(from ds: Method.State) -> Tensor<Scalar> {
        var sum = ds.current
        sum.add(ds.previous)
        return Halves.join(sum)
    }
    public static func firstOrderField(_ field: Field, at x: Tensor<Scalar>) -> Linearization<PartitionedState<Tensor<Scalar>>> {
        Linearization(at: Halves.split(x)) { field($0) }
    }
}

/// Leapfrog blocks: Y_{j+1} = 2Y_j − Y_{j−1} − h²Kᵀσ(KY_j + b) on all channels, Y₋₁ = Y₀.
public enum LeapfrogFamily<Scalar: BLASScalar>: ReversibleBlockFamily {
    public typealias Field = LeapfrogField<Scalar>
    public typealias Method = Leapfrog<LeapfrogField<Scalar>>
    public static var defaultStepSize: Double { 0.1 }
    public static var splitsChannels: Bool { false }
    public static func makeMethod() -> Method { Leapfrog() }
    public static var convolutionsPerUnit: Int { 2 }
    /// K (width → width) and its bias or batch norms.
    public static func unitParameterCount(width: Int, normalization: Normalization) -> Int? {
        residualParameters(width, count: 1, second: false, normalization)
    }
    public static func state(from x: Tensor<Scalar>) -> Method.State { TwoStepState(previous: x, current: x) }
    public static func tensor(from s: Method.State) -> Tensor<Scalar> { s.current }
    public static func stateCotangent(from dx: Tensor<Scalar>, like s: Method.State) -> Method.State {
        var zero = dx
        zero.scale(by: 0)
        return TwoStepState(previous: zero, current: dx)
    }
    public static func tensorCotangent(from ds: Method.State) -> Tensor<Scalar> {
        var sum = ds.current
        sum.add(ds.previous)
        return sum
    }
    /// (Y, V) ↦ (V, F(Y)): the first-order form of Y'' = F(Y), velocity V starting at 0.
    public static func firstOrderField(_ field: Field, at x: Tensor<Scalar>) -> Linearization<PartitionedState<Tensor<Scalar>>> {
        var v = x
        v.scale(by: 0)
        return partitionedField(field, at: PartitionedState(q: x, p: v))
    }
}

/// ResNet blocks: forward Euler with h = 1 on a two-layer residual function. Not reversible.
public enum ResNetFamily<Scalar: BLASScalar>: BlockFamily {
    public typealias Field = ResNetField<Scalar>
    public typealias Method = ForwardEuler<ResNetField<Scalar>>
    public static var defaultStepSize: Double { 1 }
    public static var stridedTransitions: Bool { true }
    public static func makeMethod() -> Method { ForwardEuler() }
    public static var splitsChannels: Bool { false }
    public static var convolutionsPerUnit: Int { 2 }
    /// Two convolutions (width → width) with biases or batch norms.
    public static func unitParameterCount(width: Int, normalization: Normalization) -> Int? {
        residualParameters(width, count: 1, second: true, normalization)
    }
    public static func state(from x: Tensor<Scalar>) -> Tensor<Scalar> { x }
    public static func tensor(from s: Tensor<Scalar>) -> Tensor<Scalar> { s }
    public static func stateCotangent(from dx: Tensor<Scalar>, like s: Tensor<Scalar>) -> Tensor<Scalar> { dx }
    public static func tensorCotangent(from ds: Tensor<Scalar>) -> Tensor<Scalar> { ds }
    public static func firstOrderField(_ field: Field, at x: Tensor<Scalar>) -> Linearization<Tensor<Scalar>> {
        Linearization(at: x) { field($0) }
    }
}
