import RealModule

/// A set of graph nodes compiled to flat register code: each instruction reads one or two
/// registers and writes its own, in an order where operands come first. Registers are laid
/// out as [constants | inputs | instruction results]; running a program allocates nothing
/// (the registers live in a temporary stack allocation).
///
/// The code is in two parts: the first depends only on the *early* inputs, the second also on
/// the *late* ones. A Jacobian–vector product uses this: the point's values and the partial
/// derivatives there (early) are computed once, then the tangent part (late: the direction)
/// once per direction.
public struct Program: Sendable {
    @usableFromInline
    struct Instruction: Sendable {
        @usableFromInline var operation: Operation
        @usableFromInline var a: Int32
        @usableFromInline var b: Int32
    }

    /// The constants' values, registers 0..<constants.count.
    public let constants: [Double]
    /// How many inputs the program reads, registers constants.count ..< + inputCount.
    public let inputCount: Int
    /// The register holding each output.
    public let outputs: [Int]
    /// Instructions [0, lateStart) read early inputs only.
    @usableFromInline let code: [Instruction]
    @usableFromInline let lateStart: Int
    /// Which graph node each instruction computes (for diagnostics: `Program.firstNonFinite`).
    public let nodes: [Int]

    public var registerCount: Int { constants.count + inputCount + code.count }
    public var inputBase: Int { constants.count }
    /// The number of instructions (a program's cost).
    public var instructionCount: Int { code.count }
    /// The number of instructions in the early part.
    public var earlyInstructionCount: Int { lateStart }

    /// Compiles the nodes `outputs` of `graph`, whose inputs are 0..<inputCount; inputs in
    /// `late` are late (see above).
    public init(_ graph: Graph, outputs: [Int], inputCount: Int, late: Range<Int> = 0..<0) {
        let cone = graph.cone(of: outputs)
        var isLate = [Bool](repeating: false, count: graph.nodes.count)
        var constantIDs: [Int] = [], early: [Int] = [], lateIDs: [Int] = []
        for id in cone {
            switch graph.nodes[id] {
            case .constant: constantIDs.append(id)
            case .input(let k): isLate[id] = late.contains(k)
            case .unary(_, let a):
                isLate[id] = isLate[a]
            case .binary(_, let a, let b):
                isLate[id] = isLate[a] || isLate[b]
            }
            switch graph.nodes[id] {
            case .unary, .binary: if isLate[id] { lateIDs.append(id) } else { early.append(id) }
            case .constant, .input: break
            }
        }
        var register = [Int: Int]()
        var constants: [Double] = []
        for id in constantIDs {
            register[id] = constants.count
            constants.append(graph.constantValue(id)!)
        }
        let base = constants.count
        for id in cone { if case .input(let k) = graph.nodes[id] { register[id] = base + k } }
        var code: [Instruction] = []
        for id in early + lateIDs {
            register[id] = base + inputCount + code.count
            switch graph.nodes[id] {
            case .unary(let op, let a): code.append(Instruction(operation: op, a: Int32(register[a]!), b: Int32(register[a]!)))
            case .binary(let op, let a, let b): code.append(Instruction(operation: op, a: Int32(register[a]!), b: Int32(register[b]!)))
            case .constant, .input: preconditionFailure("Program: only operations are instructions")
            }
        }
        self.constants = constants
        self.inputCount = inputCount
        self.code = code
        self.lateStart = early.count
        self.nodes = early + lateIDs
        self.outputs = outputs.map { register[$0]! }
    }

    /// Runs `body` with registers holding the constants (as `S`); `body` sets the inputs and
    /// runs the parts it needs. Allocation-free for programs of up to thousands of registers.
    @inlinable
    public func withRegisters<S: Real & BinaryFloatingPoint, R>(_: S.Type, _ body: (UnsafeMutablePointer<S>) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: S.self, capacity: max(1, registerCount)) { buffer in
            let r = buffer.baseAddress!
            constants.withUnsafeBufferPointer { c in
                for i in 0..<c.count { r[i] = S(c[i]) }
            }
            return try body(r)
        }
    }

    /// Runs the early part (`late: false`) or the late part on registers `r`.
    @inlinable
    public func run<S: Real & BinaryFloatingPoint>(_ r: UnsafeMutablePointer<S>, late: Bool) {
        let first = constants.count + inputCount
        code.withUnsafeBufferPointer { code in
            let range = late ? lateStart..<code.count : 0..<lateStart
            for k in range {
                let instruction = code[k]
                r[first + k] = instruction.operation.apply(r[Int(instruction.a)], r[Int(instruction.b)])
            }
        }
    }

    /// The first instruction of the early part, run on registers whose inputs are set, whose
    /// result is not finite while its operands are: the graph node where a NaN or infinity
    /// arises. Nil if every value stays finite.
    public func firstNonFinite(_ r: UnsafeMutablePointer<Double>) -> Int? {
        let first = constants.count + inputCount
        for k in 0..<lateStart {
            let instruction = code[k]
            let a = r[Int(instruction.a)], b = r[Int(instruction.b)]
            let value = instruction.operation.apply(a, b)
            r[first + k] = value
            if !value.isFinite, a.isFinite, b.isFinite { return nodes[k] }
        }
        return nil
    }
}
