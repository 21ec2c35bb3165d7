/// What a name stands for while an expression is lowered to graph nodes.
public enum Binding: Sendable {
    /// A node: an input (a variable, t), a constant (a parameter, pi, a family index) or a
    /// definition's value.
    case node(Int)
    /// An indexed family's members, x[0] … x[N−1]; indices wrap around (x[N] = x[0]).
    case family([Int])
}

/// The names visible to an expression and what they stand for.
public struct Scope: Sendable {
    public var bindings: [String: Binding]

    public init(_ bindings: [String: Binding] = [:]) { self.bindings = bindings }

    /// Names that cannot be declared: `t` (time) and `pi`.
    public static let reserved: Set<String> = ["t", "pi"]
}

extension Graph {
    /// The nodes computing `expression` with names from `scope`: the step from text to
    /// something a program can run. Checks everything a user can get wrong (unknown names and
    /// functions, arity, division by a literal zero, non-finite constants, bad indices) and
    /// says where.
    public mutating func lower(_ expression: Expression, in scope: Scope) throws(ExpressionError) -> Int {
        let id = try lowerUnrecorded(expression, in: scope)
        if origins[id] == nil { origins[id] = expression.range }
        return id
    }

    private mutating func lowerUnrecorded(_ expression: Expression, in scope: Scope) throws(ExpressionError) -> Int {
        let r = expression.range
        switch expression.syntax {
        case .number(let value):
            return constant(value)
        case .name(let name):
            switch scope.bindings[name] {
            case .node(let id): return id
            case .family(let members):
                throw ExpressionError("'\(name)' is an indexed family of \(members.count); name a member, e.g. \(name)[i]", at: r)
            case nil:
                if name == "pi" { return constant(.pi) }
                throw ExpressionError("unknown name '\(name)'\(Self.suggestion(for: name, among: Array(scope.bindings.keys)))", at: r)
            }
        case .indexed(let name, let indexExpression):
            guard case .family(let members) = scope.bindings[name] else {
                if scope.bindings[name] != nil { throw ExpressionError("'\(name)' is not an indexed family; write it without [ ]", at: r) }
                throw ExpressionError("unknown family '\(name)'\(Self.suggestion(for: name, among: Array(scope.bindings.keys)))", at: r)
            }
            let node = try lower(indexExpression, in: scope)
            guard let value = constantValue(node), value.isFinite, value == value.rounded(), Swift.abs(value) < 1e15 else {
                throw ExpressionError("an index must be a whole number computed from parameters and the family's index", at: indexExpression.range)
            }
            let n = members.count
            return members[((Int(value) % n) + n) % n]
        case .negate(let operand):
            let x = try lower(operand, in: scope)
            return apply(.negate, x)
        case .sum(let terms):
            var result = try lower(terms[0].term, in: scope)
            if terms[0].subtract { result = apply(.negate, result) }
            for (subtract, term) in terms.dropFirst() {
                let t = try lower(term, in: scope)
                result = apply(subtract ? .subtract : .add, result, t)
                result = try checked(result, r)
            }
            return result
        case .product(let factors):
            var result = try lower(factors[0].factor, in: scope)
            for (divide, factor) in factors.dropFirst() {
                let f = try lower(factor, in: scope)
                if divide, constantValue(f) == 0 {
                    if case .number = factor.syntax { throw ExpressionError("division by zero", at: factor.range) }
                    throw ExpressionError("the divisor is zero for these parameter values", at: factor.range)
                }
                result = apply(divide ? .divide : .multiply, result, f)
                result = try checked(result, r)
            }
            return result
        case .power(let base, let exponent):
            let b = try lower(base, in: scope), e = try lower(exponent, in: scope)
            let p = apply(.power, b, e)
            return try checked(p, r)
        case .call(let name, let arguments):
            guard let (operation, arity) = Operation.functions[name] else {
                let known = Operation.functions.keys.sorted().joined(separator: ", ")
                throw ExpressionError("unknown function '\(name)'\(Self.suggestion(for: name, among: Array(Operation.functions.keys))); the functions are \(known)", at: r)
            }
            let variadic = operation == .minimum || operation == .maximum
            guard arguments.count == arity || (variadic && arguments.count > arity) else {
                let wanted = variadic ? "at least \(arity) arguments" : (arity == 1 ? "1 argument" : "\(arity) arguments")
                throw ExpressionError("\(name) takes \(wanted), got \(arguments.count)", at: r)
            }
            var nodes: [Int] = []
            for argument in arguments { nodes.append(try lower(argument, in: scope)) }
            var result = arity == 1 ? apply(operation, nodes[0]) : nodes[0]
            for node in nodes.dropFirst() { result = apply(operation, result, node) }
            return try checked(result, r)
        }
    }

    /// `id`, unless it is a constant that is not finite (1/0, log(−1) of parameters). Takes the
    /// node already built: `checked(apply(…))` would read the graph as it was before `apply`.
    private func checked(_ id: Int, _ range: SourceRange) throws(ExpressionError) -> Int {
        if let value = constantValue(id), !value.isFinite {
            throw ExpressionError("this evaluates to \(value) for these parameter values", at: range)
        }
        return id
    }

    /// "; did you mean 'x'?" for the known name closest to `name` by edit distance, if close.
    public static func suggestion(for name: String, among names: [String]) -> String {
        let scored = names.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= max(1, name.count / 3) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else {
            let sorted = names.sorted()
            return sorted.isEmpty ? "" : "; the names here are \(sorted.prefix(20).joined(separator: ", "))\(sorted.count > 20 ? ", …" : "")"
        }
        return "; did you mean '\(best.0)'?"
    }

    /// The Levenshtein distance between two short strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let current = row[j]
                row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
