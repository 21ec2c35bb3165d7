/// A computation as a directed acyclic graph of operations on inputs and constants, built with
/// constant folding, algebraic simplification (x + 0, x × 1, x × 0, x − x, x^2 = x × x, …) and
/// hash-consing, so a common subexpression is one node however often it is written
/// (common-subexpression elimination by construction). Operands always precede the node that
/// uses them, so node order is a topological order.
///
/// The simplifications hold for finite values; x × 0 = 0 and x − x = 0 drop a NaN or an
/// infinity of x (so `0*log(x)` is 0 even where log(x) is not finite), as compilers' fast-math
/// modes do. Reassociation is limited to exact scalings by powers of two, so a program rounds as
/// the expression is written.
///
/// Derivatives (`Differentiation.swift`) are built in the same graph, so they are folded and
/// shared with the values they reuse; `Program` compiles a set of nodes to flat register code.
public struct Graph: Sendable {
    public enum Node: Hashable, Sendable {
        case constant(Double)
        case input(Int)
        case unary(Operation, Int)
        case binary(Operation, Int, Int)
    }

    public private(set) var nodes: [Node] = []
    private var lookup: [Node: Int] = [:]
    /// Where in its text the expression that first built a node was written (set by `lower`),
    /// for diagnostics.
    public internal(set) var origins: [Int: SourceRange] = [:]

    public init() {}

    /// The node's value, if it is a constant.
    public func constantValue(_ id: Int) -> Double? {
        if case .constant(let v) = nodes[id] { v } else { nil }
    }

    public mutating func constant(_ value: Double) -> Int { intern(.constant(value)) }

    /// The k-th input of the computation.
    public mutating func input(_ k: Int) -> Int { intern(.input(k)) }

    public mutating func apply(_ op: Operation, _ a: Int) -> Int {
        precondition(!op.isBinary, "Graph.apply: \(op) takes two operands")
        if let x = constantValue(a) { return constant(op.apply(x, 0)) }
        if op == .negate, case .unary(.negate, let inner) = nodes[a] { return inner }
        return intern(.unary(op, a))
    }

    public mutating func apply(_ op: Operation, _ a: Int, _ b: Int) -> Int {
        precondition(op.isBinary, "Graph.apply: \(op) takes one operand")
        let x = constantValue(a), y = constantValue(b)
        if let x, let y { return constant(op.apply(x, y)) }
        switch op {
        case .add:
            if x == 0 { return b }
            if y == 0 { return a }
            if a == b { return apply(.multiply, constant(2), a) }  // a + a = 2a exactly
        case .subtract:
            if y == 0 { return a }
            if x == 0 { return apply(.negate, b) }
            if a == b { return constant(0) }
        case .multiply:
            if x == 0 || y == 0 { return constant(0) }
            if x == 1 { return b }
            if y == 1 { return a }
            if x == -1 { return apply(.negate, b) }
            if y == -1 { return apply(.negate, a) }
            if let x, let folded = scaled(b, by: x) { return folded }
            if let y, let folded = scaled(a, by: y) { return folded }
        case .divide:
            if y == 1 { return a }
            if x == 0 { return constant(0) }
        case .power:
            if let y { return power(a, y) }
        case .minimum, .maximum:
            if a == b { return a }
        default:
            break
        }
        if op.isCommutative, b < a { return intern(.binary(op, b, a)) }
        return intern(.binary(op, a, b))
    }

    /// c·(d·u) as (c·d)·u when c and d are powers of two, so the product is exact whatever u
    /// is (how ∂(p²/2)/∂p = 2·(½·p) becomes p); nil otherwise.
    private mutating func scaled(_ node: Int, by c: Double) -> Int? {
        guard case .binary(.multiply, let u, let v) = nodes[node], c.significandBitPattern == 0 else { return nil }
        for (k, other) in [(u, v), (v, u)] {
            if let d = constantValue(k), d.significandBitPattern == 0, (c * d).isNormal {
                return apply(.multiply, constant(c * d), other)
            }
        }
        return nil
    }

    /// a^c for a constant c: small integer powers as products (x² = x·x, so it is shared and
    /// exact), c = ½ as a square root, others through pow.
    private mutating func power(_ a: Int, _ c: Double) -> Int {
        if c == 0 { return constant(1) }
        if c == 1 { return a }
        if c == 0.5 { return apply(.squareRoot, a) }
        if c == c.rounded(), Swift.abs(c) <= 16 {
            var result = a
            for _ in 1..<Int(Swift.abs(c)) { result = apply(.multiply, result, a) }
            return c < 0 ? apply(.divide, constant(1), result) : result
        }
        return intern(.binary(.power, a, constant(c)))
    }

    private mutating func intern(_ node: Node) -> Int {
        if let id = lookup[node] { return id }
        nodes.append(node)
        lookup[node] = nodes.count - 1
        return nodes.count - 1
    }

    /// The nodes that `outputs` need, ascending (a topological order).
    public func cone(of outputs: [Int]) -> [Int] {
        var needed = [Bool](repeating: false, count: nodes.count)
        var stack = outputs
        while let id = stack.popLast() {
            guard !needed[id] else { continue }
            needed[id] = true
            switch nodes[id] {
            case .unary(_, let a): stack.append(a)
            case .binary(_, let a, let b): stack.append(a); stack.append(b)
            case .constant, .input: break
            }
        }
        return needed.indices.filter { needed[$0] }
    }

    /// The inputs a node depends on.
    public func inputs(of id: Int) -> Set<Int> {
        Set(cone(of: [id]).compactMap { if case .input(let k) = nodes[$0] { k } else { nil } })
    }
}
