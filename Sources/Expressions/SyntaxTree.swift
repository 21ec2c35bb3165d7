/// Where a piece of an expression sits in its text: character offsets, `lowerBound..<upperBound`.
public struct SourceRange: Hashable, Sendable {
    public var lowerBound: Int
    public var upperBound: Int

    public init(_ lowerBound: Int, _ upperBound: Int) {
        self.lowerBound = lowerBound
        self.upperBound = max(upperBound, lowerBound)
    }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(lowerBound, other.lowerBound), max(upperBound, other.upperBound))
    }
}

/// An expression as written, before names are resolved: the parser's output.
///
/// Chains of `+`/`−` and of `×`/`÷` are kept flat (`sum`, `product`) rather than as nested
/// binary nodes, so a long chain costs no recursion depth in the passes that walk the tree.
public indirect enum Syntax: Sendable, Equatable {
    case number(Double)
    /// A name: a variable, parameter, definition, `t`, `pi`, or a family's index.
    case name(String)
    /// A member of an indexed family, `x[i + 1]`.
    case indexed(String, Expression)
    case negate(Expression)
    /// t₀ ± t₁ ± …: each term with whether it is subtracted.
    case sum([(subtract: Bool, term: Expression)])
    /// f₀ ×/÷ f₁ ×/÷ …: each factor with whether it divides.
    case product([(divide: Bool, factor: Expression)])
    /// base ^ exponent (right-associative; −x^2 = −(x^2)).
    case power(Expression, Expression)
    case call(String, [Expression])

    public static func == (lhs: Syntax, rhs: Syntax) -> Bool {
        switch (lhs, rhs) {
        case let (.number(a), .number(b)): a == b
        case let (.name(a), .name(b)): a == b
        case let (.indexed(a, i), .indexed(b, j)): a == b && i == j
        case let (.negate(a), .negate(b)): a == b
        case let (.sum(a), .sum(b)): a.count == b.count && zip(a, b).allSatisfy { $0.subtract == $1.subtract && $0.term == $1.term }
        case let (.product(a), .product(b)): a.count == b.count && zip(a, b).allSatisfy { $0.divide == $1.divide && $0.factor == $1.factor }
        case let (.power(a, b), .power(c, d)): a == c && b == d
        case let (.call(f, a), .call(g, b)): f == g && a == b
        default: false
        }
    }
}

/// A parsed expression: its syntax and where it was written.
public struct Expression: Sendable, Equatable {
    public var syntax: Syntax
    public var range: SourceRange

    public init(_ syntax: Syntax, _ range: SourceRange) {
        self.syntax = syntax
        self.range = range
    }

    /// Equal syntax, wherever written.
    public static func == (lhs: Expression, rhs: Expression) -> Bool { lhs.syntax == rhs.syntax }
}

extension Expression {
    /// Every name the expression mentions (variables, parameters, definitions, family names),
    /// found without recursion.
    public var names: Set<String> {
        var result: Set<String> = []
        var stack = [self]
        while let e = stack.popLast() {
            switch e.syntax {
            case .number: break
            case .name(let n): result.insert(n)
            case .indexed(let n, let i): result.insert(n); stack.append(i)
            case .negate(let a): stack.append(a)
            case .sum(let terms): stack.append(contentsOf: terms.map(\.term))
            case .product(let factors): stack.append(contentsOf: factors.map(\.factor))
            case .power(let a, let b): stack.append(a); stack.append(b)
            case .call(_, let arguments): stack.append(contentsOf: arguments)
            }
        }
        return result
    }
}
