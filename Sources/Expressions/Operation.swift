import RealModule

/// The operations a compiled program performs. Binary operations read two registers, unary one.
public enum Operation: UInt8, Sendable, CaseIterable {
    case add, subtract, multiply, divide, power, minimum, maximum
    /// 1 if a < b, else 0: the switch in the derivatives of `min` and `max`.
    case less
    case negate, squareRoot, exp, log, sin, cos, tan, tanh, atan, sinh, cosh, abs
    /// −1, 0 or 1: the derivative of `abs`.
    case sign

    /// Whether the operation reads two operands.
    public var isBinary: Bool { rawValue <= Operation.less.rawValue }

    /// Whether a ∘ b = b ∘ a (operands are then ordered, so common subexpressions meet).
    var isCommutative: Bool { self == .add || self == .multiply || self == .minimum || self == .maximum }

    /// The functions a user may call, with their operation and arity (`min` and `max` take
    /// two or more arguments, folded left).
    public static let functions: [String: (operation: Operation, arity: Int)] = [
        "sin": (.sin, 1), "cos": (.cos, 1), "tan": (.tan, 1), "exp": (.exp, 1), "log": (.log, 1),
        "sqrt": (.squareRoot, 1), "abs": (.abs, 1), "tanh": (.tanh, 1), "atan": (.atan, 1),
        "sinh": (.sinh, 1), "cosh": (.cosh, 1), "pow": (.power, 2), "min": (.minimum, 2), "max": (.maximum, 2),
    ]

    /// The operation applied to scalars: the one definition that both constant folding (in
    /// Double) and the programs' execution (in Float or Double) use.
    @inlinable
    public func apply<S: Real & BinaryFloatingPoint>(_ a: S, _ b: S) -> S {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .power: S.pow(a, b)
        case .minimum: Swift.min(a, b)
        case .maximum: Swift.max(a, b)
        case .less: a < b ? 1 : 0
        case .negate: -a
        case .squareRoot: a.squareRoot()
        case .exp: S.exp(a)
        case .log: S.log(a)
        case .sin: S.sin(a)
        case .cos: S.cos(a)
        case .tan: S.tan(a)
        case .tanh: S.tanh(a)
        case .atan: S.atan(a)
        case .sinh: S.sinh(a)
        case .cosh: S.cosh(a)
        case .abs: Swift.abs(a)
        case .sign: a > 0 ? 1 : (a < 0 ? -1 : 0)
        }
    }

    /// How the operation reads in an error message.
    public var symbol: String {
        switch self {
        case .add: "+"
        case .subtract, .negate: "−"
        case .multiply: "×"
        case .divide: "÷"
        case .power: "^"
        case .minimum: "min"
        case .maximum: "max"
        case .less: "<"
        case .squareRoot: "sqrt"
        default: "\(self)"
        }
    }
}
