import RealModule

/// A set of graph nodes compiled to flat register code: each instruction reads one to three
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
        /// An `Operation`'s raw value, or a `Superinstruction`'s.
        @usableFromInline var opcode: UInt8
        @usableFromInline var a: Int32
        @usableFromInline var b: Int32
        @usableFromInline var c: Int32

        /// The instruction applied to its operands' values (a unary operation ignores y and z,
        /// a binary one z). Loading all three before the switch measured faster than loading
        /// in each case (0.128 s against 0.193 s for 10⁶ Lorenz RK4 steps).
        @inlinable @inline(__always)
        func apply<S: Real & BinaryFloatingPoint>(_ x: S, _ y: S, _ z: S) -> S {
            // One switch for the common operations and the superinstructions (a second
            // dispatch through `Operation.apply` only for the elementary functions).
            switch opcode {
            case Operation.add.rawValue: return x + y
            case Operation.subtract.rawValue: return x - y
            case Operation.multiply.rawValue: return x * y
            case Operation.divide.rawValue: return x / y
            case Operation.negate.rawValue: return -x
            case Superinstruction.productPlus.rawValue: return x * y + z
            case Superinstruction.productMinus.rawValue: return x * y - z
            case Superinstruction.minusProduct.rawValue: return z - x * y
            case Superinstruction.differenceTimes.rawValue: return (x - y) * z
            case Superinstruction.sumTimes.rawValue: return (x + y) * z
            // An operation's raw value is its case index (0, 1, … in declaration order), which
            // is how a payload-free enum is stored, so the cast is the (non-inlined) init(rawValue:).
            default: return unsafeBitCast(opcode, to: Operation.self).apply(x, y)
            }
        }
    }

    /// Two operations in one dispatch where the inner one has no other use, executed by
    /// `Instruction.apply` (Ertl & Gregg,
    /// "The structure and performance of efficient interpreters", J. Instruction-Level
    /// Parallelism 5, 2003). Each is rounded as the two separate operations are (no fused
    /// multiply–add), so results do not change; Lorenz's field goes from 8 dispatches to 5.
    @usableFromInline
    enum Superinstruction: UInt8, Sendable {
        /// (a × b) + c
        case productPlus = 128
        /// (a × b) − c
        case productMinus
        /// c − (a × b)
        case minusProduct
        /// (a − b) × c
        case differenceTimes
        /// (a + b) × c
        case sumTimes

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

    @inlinable public var registerCount: Int { constants.count + inputCount + code.count }
    @inlinable public var inputBase: Int { constants.count }
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
        // Superinstructions: a node absorbs an operand that only it uses.
        var uses = [Int](repeating: 0, count: graph.nodes.count)
        for id in cone {
            switch graph.nodes[id] {
            case .unary(_, let a): uses[a] += 1
            case .binary(_, let a, let b): uses[a] += 1; uses[b] += 1
            case .constant, .input: break
            }
        }
        for id in outputs { uses[id] += 1 }
        var fused: [Int: (Superinstruction, Int, Int, Int)] = [:]
        var absorbed = Set<Int>()
        func plainBinary(_ id: Int, _ op: Operation) -> (Int, Int)? {
            guard uses[id] == 1, fused[id] == nil, case .binary(op, let p, let q) = graph.nodes[id] else { return nil }
            return (p, q)
        }
        for id in early + lateIDs {
            guard case .binary(let op, let a, let b) = graph.nodes[id] else { continue }
            var choice: (Superinstruction, Int, Int, Int, absorbed: Int)?
            switch op {
            case .add:
                if let (p, q) = plainBinary(a, .multiply) { choice = (.productPlus, p, q, b, a) }
                else if let (p, q) = plainBinary(b, .multiply) { choice = (.productPlus, p, q, a, b) }
            case .subtract:
                if let (p, q) = plainBinary(a, .multiply) { choice = (.productMinus, p, q, b, a) }
                else if let (p, q) = plainBinary(b, .multiply) { choice = (.minusProduct, p, q, a, b) }
            case .multiply:
                if let (p, q) = plainBinary(a, .subtract) { choice = (.differenceTimes, p, q, b, a) }
                else if let (p, q) = plainBinary(b, .subtract) { choice = (.differenceTimes, p, q, a, b) }
                else if let (p, q) = plainBinary(a, .add) { choice = (.sumTimes, p, q, b, a) }
                else if let (p, q) = plainBinary(b, .add) { choice = (.sumTimes, p, q, a, b) }
            default:
                break
            }
            if let choice, !absorbed.contains(choice.absorbed) {
                fused[id] = (choice.0, choice.1, choice.2, choice.3)
                absorbed.insert(choice.absorbed)
            }
        }
        var code: [Instruction] = []
        var emitted: [Int] = []
        var earlyCount = 0
        for id in early + lateIDs where !absorbed.contains(id) {
            register[id] = base + inputCount + code.count
            func r(_ node: Int) -> Int32 { Int32(register[node]!) }
            if let (opcode, p, q, other) = fused[id] {
                code.append(Instruction(opcode: opcode.rawValue, a: r(p), b: r(q), c: r(other)))
            } else {
                switch graph.nodes[id] {
                case .unary(let op, let a): code.append(Instruction(opcode: op.rawValue, a: r(a), b: r(a), c: r(a)))
                case .binary(let op, let a, let b): code.append(Instruction(opcode: op.rawValue, a: r(a), b: r(b), c: r(b)))
                case .constant, .input: preconditionFailure("Program: only operations are instructions")
                }
            }
            emitted.append(id)
            if !isLate[id] { earlyCount += 1 }
        }
        self.constants = constants
        self.inputCount = inputCount
        self.code = code
        self.lateStart = earlyCount
        self.nodes = emitted
        self.outputs = outputs.map { register[$0]! }
    }

    /// Runs `body` with registers holding the constants (as `S`); `body` sets the inputs and
    /// runs the parts it needs. Allocation-free for programs of up to thousands of registers.
    @inlinable @inline(__always)
    public func withRegisters<S: Real & BinaryFloatingPoint, R>(_: S.Type, _ body: (UnsafeMutablePointer<S>) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: S.self, capacity: max(1, registerCount)) { buffer in
            let r = buffer.baseAddress!
            constants.withUnsafeBufferPointer { c in Program.copy(c.baseAddress!, to: r, count: c.count) }
            return try body(r)
        }
    }

    /// dst[0..<count] ← src[0..<count]. The few values a small system copies per evaluation
    /// are written out one by one: a plain loop becomes a call to memcpy, whose overhead was
    /// a tenth of a Lorenz RK4 step (measured).
    @inlinable @inline(__always)
    public static func copy<A: BinaryFloatingPoint, S: BinaryFloatingPoint>(_ src: UnsafePointer<A>, to dst: UnsafeMutablePointer<S>, count: Int) {
        if count <= 4 {
            if count > 0 { dst[0] = S(src[0]) }
            if count > 1 { dst[1] = S(src[1]) }
            if count > 2 { dst[2] = S(src[2]) }
            if count > 3 { dst[3] = S(src[3]) }
        } else {
            for i in 0..<count { dst[i] = S(src[i]) }
        }
    }

    /// Runs the early part (`late: false`) or the late part on registers `r`.
    @inlinable @inline(__always)
    public func run<S: Real & BinaryFloatingPoint>(_ r: UnsafeMutablePointer<S>, late: Bool) {
        let first = constants.count + inputCount
        code.withUnsafeBufferPointer { code in
            let range = late ? lateStart..<code.count : 0..<lateStart
            for k in range {
                let i = code[k]
                r[first &+ k] = i.apply(r[Int(i.a)], r[Int(i.b)], r[Int(i.c)])
            }
        }
    }

    /// The first instruction of the early part, run on registers whose inputs are set, whose
    /// result is not finite while its operands are: the graph node where a NaN or infinity
    /// arises. Nil if every value stays finite.
    public func firstNonFinite(_ r: UnsafeMutablePointer<Double>) -> Int? {
        let first = constants.count + inputCount
        for k in 0..<lateStart {
            let i = code[k]
            let a = r[Int(i.a)], b = r[Int(i.b)], c = r[Int(i.c)]
            let value = i.apply(a, b, c)
            r[first + k] = value
            if !value.isFinite, a.isFinite, b.isFinite, c.isFinite { return nodes[k] }
        }
        return nil
    }
}
