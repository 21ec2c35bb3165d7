import Expressions
import LinearAlgebra

/// A function y = f(x, t) from ℝⁿ to ℝᵐ compiled from a system file's expressions, with its
/// Jacobian–vector products J(x, t)·v from forward-mode differentiation of the same graph
/// (exact up to rounding, no difference steps).
///
/// In *variational* mode (`tangents = k > 0`) the function reads x followed by k tangent
/// columns X₁ … X_k and writes y followed by J·X₁ … J·X_k: the variational equations
/// (x, X)' = (f(x), J(x) X). Any explicit method applied to them advances the tangents by the
/// exact derivative of its own step, since a step is built from field evaluations and linear
/// combinations (Hairer, Nørsett & Wanner, *Solving ODEs I*, §I.14, on the variational
/// equation; for Runge–Kutta methods the derivative of the step is the step of the linearised
/// system). That is how `lyapunov` and step Jacobians of file systems avoid finite differences.
public struct CompiledFunction<Scalar: BLASScalar>: Sendable {
    /// The values y (early part only).
    @usableFromInline let value: Program
    /// y (early part) and J·v (late part, once per direction).
    @usableFromInline let derivative: Program
    /// Input slots: x at argument ..< argument + n, t at `time` (nil if the graph has none),
    /// a direction v at direction ..< direction + n.
    @usableFromInline let argument: Int
    @usableFromInline let time: Int?
    @usableFromInline let direction: Int
    /// n and m.
    public let inputDimension: Int
    public let outputDimension: Int
    /// How many tangent columns the state carries (0: plain evaluation).
    public var tangents = 0

    public init(value: Program, derivative: Program, argument: Int, time: Int?, direction: Int, inputDimension: Int, outputDimension: Int) {
        self.value = value
        self.derivative = derivative
        self.argument = argument
        self.time = time
        self.direction = direction
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
    }

    /// y ← f(x, t), and in variational mode the tangent columns. `x` holds n(1 + k) values,
    /// `y` m(1 + k). Allocates nothing.
    @inlinable
    public func apply(_ x: UnsafePointer<Scalar>, time t: Scalar, into y: UnsafeMutablePointer<Scalar>) {
        // Two calls rather than one on a `let program = … ? value : derivative`: that copy
        // retains the program's four arrays on every evaluation (measured: a third of the time
        // of a Lorenz RK4 step).
        if tangents == 0 { run(value, x, time: t, into: y) } else { run(derivative, x, time: t, into: y) }
    }

    @inlinable
    func run(_ program: Program, _ x: UnsafePointer<Scalar>, time t: Scalar, into y: UnsafeMutablePointer<Scalar>) {
        let n = inputDimension, m = outputDimension, k = tangents
        program.withRegisters(Scalar.self) { r in
            let base = program.inputBase
            Program.copy(x, to: r + base + argument, count: n)
            if let time { r[base + time] = t }
            program.run(r, late: false)
            program.outputs.withUnsafeBufferPointer { out in
                for i in 0..<m { y[i] = r[out[i]] }
                for j in 0..<k {
                    let column = x + n * (1 + j)
                    for i in 0..<n { r[base + direction + i] = column[i] }
                    program.run(r, late: true)
                    let target = y + m * (1 + j)
                    for i in 0..<m { target[i] = r[out[m + i]] }
                }
            }
        }
    }

    /// J(x, t), m×n, column by column from the Jacobian–vector products along the unit vectors.
    public func jacobian(at x: [Scalar], time t: Scalar) -> Matrix<Scalar> {
        precondition(x.count == inputDimension, "CompiledFunction.jacobian: \(x.count) values for \(inputDimension) inputs")
        var f = self
        f.tangents = inputDimension
        let n = inputDimension, m = outputDimension
        var input = [Scalar](repeating: 0, count: n * (1 + n))
        for i in 0..<n { input[i] = x[i]; input[n * (1 + i) + i] = 1 }
        var output = [Scalar](repeating: 0, count: m * (1 + n))
        input.withUnsafeBufferPointer { xin in
            output.withUnsafeMutableBufferPointer { yout in f.apply(xin.baseAddress!, time: t, into: yout.baseAddress!) }
        }
        return Matrix(rows: m, columns: n, columnMajor: Array(output[m...]))
    }

    /// f(x, t) as a new array (not for hot loops).
    public func callAsFunction(_ x: [Scalar], time t: Scalar = 0) -> [Scalar] {
        var plain = self
        plain.tangents = 0
        var y = [Scalar](repeating: 0, count: outputDimension)
        x.withUnsafeBufferPointer { xin in y.withUnsafeMutableBufferPointer { plain.apply(xin.baseAddress!, time: t, into: $0.baseAddress!) } }
        return y
    }

    /// The graph node of the value program where a NaN or infinity first appears at (x, t), or
    /// nil if all of f(x, t) is finite: what a run that left the finite numbers is traced to.
    public func firstNonFinite(at x: [Double], time t: Double) -> Int? {
        value.withRegisters(Double.self) { r in
            let base = value.inputBase
            for i in 0..<inputDimension { r[base + argument + i] = x[i] }
            if let time { r[base + time] = t }
            return value.firstNonFinite(r)
        }
    }

    /// The instructions per evaluation (plain) and per tangent direction.
    public var cost: (value: Int, perDirection: Int) {
        (value.instructionCount, derivative.instructionCount - derivative.earlyInstructionCount)
    }
}
