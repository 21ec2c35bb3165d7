/// Automatic differentiation on the graph, as source transformation: derivatives are new nodes
/// of the same graph, built with the same folding and sharing (Griewank & Walther, *Evaluating
/// Derivatives*, 2nd ed., 2008: forward mode §3.1, reverse mode §3.2). One table of local
/// partial derivatives serves both modes.
extension Graph {
    /// ∂node/∂operand for each operand of `id`, as nodes.
    mutating func partials(of id: Int) -> [(operand: Int, partial: Int)] {
        switch nodes[id] {
        case .constant, .input:
            return []
        case .unary(let op, let a):
            let d: Int
            switch op {
            case .negate: d = constant(-1)
            case .squareRoot: d = apply(.divide, constant(0.5), id)
            case .exp: d = id
            case .log: d = apply(.divide, constant(1), a)
            case .sin: d = apply(.cos, a)
            case .cos: d = apply(.negate, apply(.sin, a))
            case .tan: d = apply(.add, constant(1), apply(.multiply, id, id))
            case .tanh: d = apply(.subtract, constant(1), apply(.multiply, id, id))
            case .atan: d = apply(.divide, constant(1), apply(.add, constant(1), apply(.multiply, a, a)))
            case .sinh: d = apply(.cosh, a)
            case .cosh: d = apply(.sinh, a)
            case .abs: d = apply(.sign, a)
            case .sign: return []
            default: preconditionFailure("Graph.partials: \(op) is binary")
            }
            return [(a, d)]
        case .binary(let op, let a, let b):
            switch op {
            case .add:
                return [(a, constant(1)), (b, constant(1))]
            case .subtract:
                return [(a, constant(1)), (b, constant(-1))]
            case .multiply:
                return [(a, b), (b, a)]
            case .divide:
                return [(a, apply(.divide, constant(1), b)), (b, apply(.negate, apply(.divide, id, b)))]
            case .power:
                // d(a^b) = b·a^(b−1) da + a^b·log(a) db; a constant exponent has no db term
                // (so a negative base with an integer exponent stays finite).
                let da = apply(.multiply, b, apply(.power, a, apply(.subtract, b, constant(1))))
                if constantValue(b) != nil { return [(a, da)] }
                return [(a, da), (b, apply(.multiply, id, apply(.log, a)))]
            case .minimum, .maximum:
                let first = op == .minimum ? apply(.less, a, b) : apply(.less, b, a)
                return [(a, first), (b, apply(.subtract, constant(1), first))]
            case .less:
                return []
            default:
                preconditionFailure("Graph.partials: \(op) is unary")
            }
        }
    }

    /// Forward mode: the directional derivatives of `outputs` when input k moves along the
    /// node `seeds[k]` (an input not in `seeds` is held fixed). Nil means structurally zero.
    public mutating func tangents(of outputs: [Int], seeds: [Int: Int]) -> [Int?] {
        var tangent: [Int: Int] = [:]
        for id in cone(of: outputs) {
            if case .input(let k) = nodes[id] {
                if let seed = seeds[k] { tangent[id] = seed }
                continue
            }
            var sum: Int?
            for (operand, partial) in partialsIfNeeded(id, tangent) {
                guard let t = tangent[operand] else { continue }
                let term = apply(.multiply, partial, t)
                sum = sum.map { apply(.add, $0, term) } ?? term
            }
            if let sum, constantValue(sum) != 0 { tangent[id] = sum }
        }
        return outputs.map { tangent[$0] }
    }

    /// The partials of `id`, built only if an operand moves (so fixed subexpressions add no nodes).
    private mutating func partialsIfNeeded(_ id: Int, _ tangent: [Int: Int]) -> [(operand: Int, partial: Int)] {
        let moves: Bool
        switch nodes[id] {
        case .unary(_, let a): moves = tangent[a] != nil
        case .binary(_, let a, let b): moves = tangent[a] != nil || tangent[b] != nil
        case .constant, .input: moves = false
        }
        return moves ? partials(of: id) : []
    }

    /// Reverse mode: ∂output/∂(input k) for each k in `inputs`, as nodes (nil: structurally zero).
    public mutating func gradient(of output: Int, withRespectTo inputs: [Int]) -> [Int?] {
        let order = cone(of: [output])
        var adjoint: [Int: Int] = [output: constant(1)]
        var inputNode: [Int: Int] = [:]
        for id in order.reversed() {
            if case .input(let k) = nodes[id] { inputNode[k] = id }
            guard let bar = adjoint[id] else { continue }
            for (operand, partial) in partials(of: id) {
                let term = apply(.multiply, bar, partial)
                adjoint[operand] = adjoint[operand].map { apply(.add, $0, term) } ?? term
            }
        }
        return inputs.map { k in inputNode[k].flatMap { adjoint[$0] }.flatMap { constantValue($0) == 0 ? nil : $0 } }
    }
}
