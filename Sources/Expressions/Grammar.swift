import Parsing

/// Reads an expression's text into a `Syntax` tree, with pointfreeco/swift-parsing.
///
/// The grammar, loosest binding first:
///
///     sum     := product (('+' | '-' | '−') product)*
///     product := unary (('*' | '×' | '·' | '/' | '÷') unary)*
///     unary   := ('-' | '−' | '+') unary | power
///     power   := primary (('^' | '**') unary)?          right-associative; −x^2 = −(x^2)
///     primary := number | name '(' sum (',' sum)* ')' | name '[' sum ']' | name | '(' sum ')'
///     number  := digits ['.' digits] | '.' digits, then optionally [eE][+-]digits
///
/// Names are letters (any script: `σ` works), digits and `_`, starting with a letter or `_`.
/// Nesting (parentheses, calls, signs, powers) is limited to `maximumNesting` levels, so no
/// text can exhaust the stack; a chain of `+` or `×` is flat and costs no depth.
public enum ExpressionParser {
    /// The longest accepted text, in UTF-8 bytes.
    public static let maximumLength = 1 << 20
    /// The deepest accepted nesting.
    public static let maximumNesting = 200

    /// Parses `text`. Offsets in the result and in errors are UTF-8 offsets into `text`.
    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        guard text.utf8.count <= maximumLength else {
            throw ExpressionError("the expression is \(text.utf8.count) bytes long; at most \(maximumLength) are accepted", at: SourceRange(0, 0))
        }
        let depth = ParseState()
        var input = Substring(text)
        do {
            let result = try Parse(input: Substring.self) {
                Whitespace()
                SumRule(depth: depth)
                Whitespace()
                End()
            }.parse(&input)
            return result
        } catch let e as ExpressionError {
            throw e
        } catch {
            throw ExpressionError.syntax(in: text, reached: depth.furthest)
        }
    }
}

extension ExpressionError {
    /// A syntax error at the first character after the furthest point the parse reached (its
    /// own error would point at where the last alternative failed, often far before: a
    /// missing ')' at the end of `x * (y - 1` is reported by swift-parsing at the `*`).
    static func syntax(in text: String, reached: Int) -> ExpressionError {
        let utf8 = text.utf8
        var offset = min(reached, utf8.count)
        var index = utf8.index(utf8.startIndex, offsetBy: offset)
        while index < text.endIndex, text[index].isWhitespace {
            index = text.index(after: index)
            offset = utf8.distance(from: utf8.startIndex, to: index)
        }
        guard index < text.endIndex else {
            return ExpressionError("the expression ends too early: an operand or a closing parenthesis is missing", at: SourceRange(offset, offset + 1))
        }
        let c = text[index]
        let hint = c.isLetter || c.isNumber || c == "(" ? " (write products with *: 2*x, not 2x)" : ""
        return ExpressionError("unexpected '\(c)'\(hint)", at: SourceRange(offset, offset + String(c).utf8.count))
    }
}

// MARK: - Rules

/// What one parse tracks (shared by the rules of that parse only): the nesting depth, and
/// the furthest offset up to which the text made sense, where a syntax error is reported.
final class ParseState {
    var level = 0
    var furthest = 0
}

/// Records how far the parse got; consumes nothing.
struct Mark: Parser {
    let state: ParseState

    func parse(_ input: inout Substring) {
        let base = input.base
        state.furthest = max(state.furthest, base.utf8.distance(from: base.startIndex, to: input.startIndex))
    }
}

/// Records the UTF-8 range of what `upstream` consumed.
struct Located<Upstream: Parser>: Parser where Upstream.Input == Substring {
    let upstream: Upstream

    init(@ParserBuilder<Substring> _ build: () -> Upstream) { upstream = build() }

    func parse(_ input: inout Substring) throws -> (Upstream.Output, SourceRange) {
        let base = input.base
        let start = base.utf8.distance(from: base.startIndex, to: input.startIndex)
        let output = try upstream.parse(&input)
        return (output, SourceRange(start, base.utf8.distance(from: base.startIndex, to: input.startIndex)))
    }
}

/// One level deeper for the duration of `upstream`, refused past `maximumNesting`.
struct Nested<Upstream: Parser>: Parser where Upstream.Input == Substring {
    let depth: ParseState
    let upstream: Upstream

    init(_ depth: ParseState, @ParserBuilder<Substring> _ build: () -> Upstream) {
        self.depth = depth
        upstream = build()
    }

    func parse(_ input: inout Substring) throws -> Upstream.Output {
        depth.level += 1
        defer { depth.level -= 1 }
        guard depth.level <= ExpressionParser.maximumNesting else {
            let base = input.base
            let at = base.utf8.distance(from: base.startIndex, to: input.startIndex)
            throw ExpressionError("the expression nests more than \(ExpressionParser.maximumNesting) levels deep; split it with [definitions]", at: SourceRange(at, at + 1))
        }
        return try upstream.parse(&input)
    }
}

struct SumRule: Parser {
    let depth: ParseState

    var body: some Parser<Substring, Expression> {
        Parse(input: Substring.self) {
            ProductRule(depth: depth)
            Many {
                Whitespace()
                OneOf {
                    "+".map { false }
                    "-".map { true }
                    "−".map { true }
                }
                Mark(state: depth)
                Whitespace()
                ProductRule(depth: depth)
            }
        }.map { first, rest -> Expression in
            guard let last = rest.last else { return first }
            return Expression(.sum([(false, first)] + rest.map { (subtract: $0.0, term: $0.1) }), first.range.union(last.1.range))
        }
    }
}

struct ProductRule: Parser {
    let depth: ParseState

    var body: some Parser<Substring, Expression> {
        Parse(input: Substring.self) {
            UnaryRule(depth: depth)
            Many {
                Whitespace()
                OneOf {
                    "*".map { false }
                    "×".map { false }
                    "·".map { false }
                    "/".map { true }
                    "÷".map { true }
                }
                Mark(state: depth)
                Whitespace()
                UnaryRule(depth: depth)
            }
        }.map { first, rest -> Expression in
            guard let last = rest.last else { return first }
            return Expression(.product([(false, first)] + rest.map { (divide: $0.0, factor: $0.1) }), first.range.union(last.1.range))
        }
    }
}

struct UnaryRule: Parser {
    let depth: ParseState

    var body: some Parser<Substring, Expression> {
        OneOf {
            Located {
                OneOf {
                    "-".map { true }
                    "−".map { true }
                    "+".map { false }
                }
                Whitespace()
                Nested(depth) { UnaryRule(depth: depth) }
            }.map { sign, range -> Expression in
                let (negative, operand) = sign
                return negative ? Expression(.negate(operand), range) : operand
            }
            PowerRule(depth: depth)
        }
    }
}

struct PowerRule: Parser {
    let depth: ParseState

    var body: some Parser<Substring, Expression> {
        Parse(input: Substring.self) {
            PrimaryRule(depth: depth)
            Optionally {
                Whitespace()
                OneOf {
                    "^"
                    "**"
                }
                Mark(state: depth)
                Whitespace()
                Nested(depth) { UnaryRule(depth: depth) }
            }
        }.map { base, exponent -> Expression in
            guard let exponent else { return base }
            return Expression(.power(base, exponent), base.range.union(exponent.range))
        }
    }
}

struct PrimaryRule: Parser {
    let depth: ParseState

    var body: some Parser<Substring, Expression> {
        Parse(input: Substring.self) {
            OneOf {
                NumberRule()
                NameRule(depth: depth)
                Located {
                    "("
                    Mark(state: depth)
                    Whitespace()
                    Nested(depth) { SumRule(depth: depth) }
                    Whitespace()
                    ")"
                }.map { inner, range in Expression(inner.syntax, range) }
            }
            Mark(state: depth)
        }
    }
}

/// What follows a name: call arguments, an index, or nothing.
enum NameSuffix {
    case arguments([Expression])
    case index(Expression)
}

struct NameRule: Parser {
    let depth: ParseState

    var body: some Parser<Substring, Expression> {
        Located {
            IdentifierRule()
            Optionally {
                OneOf {
                    Parse(input: Substring.self) {
                        Whitespace()
                        "("
                        Mark(state: depth)
                        Whitespace()
                        Nested(depth) {
                            Many(1...) {
                                SumRule(depth: depth)
                            } separator: {
                                Whitespace()
                                ","
                                Mark(state: depth)
                                Whitespace()
                            }
                        }
                        Whitespace()
                        ")"
                        Mark(state: depth)
                    }.map(NameSuffix.arguments)
                    Parse(input: Substring.self) {
                        Whitespace()
                        "["
                        Mark(state: depth)
                        Whitespace()
                        Nested(depth) { SumRule(depth: depth) }
                        Whitespace()
                        "]"
                        Mark(state: depth)
                    }.map(NameSuffix.index)
                }
            }
        }.map { parts, range -> Expression in
            let (name, suffix) = parts
            switch suffix {
            case nil: return Expression(.name(name), range)
            case .arguments(let arguments): return Expression(.call(name, arguments), range)
            case .index(let index): return Expression(.indexed(name, index), range)
            }
        }
    }
}

struct IdentifierRule: Parser {
    var body: some Parser<Substring, String> {
        Parse(input: Substring.self) {
            Prefix(1) { $0.isLetter || $0 == "_" }
            Prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        }.map { String($0) + String($1) }
    }
}

struct NumberRule: Parser {
    var body: some Parser<Substring, Expression> {
        Located {
            Consumed {
                OneOf {
                    Parse(input: Substring.self) {
                        Prefix(1...) { $0.isASCII && $0.isNumber }
                        Optionally {
                            "."
                            Prefix { $0.isASCII && $0.isNumber }
                        }
                    }.map { _ in () }
                    Parse(input: Substring.self) {
                        "."
                        Prefix(1...) { $0.isASCII && $0.isNumber }
                    }.map { _ in () }
                }
                Optionally {
                    OneOf {
                        "e"
                        "E"
                    }
                    Optionally {
                        OneOf {
                            "+"
                            "-"
                        }
                    }
                    Prefix(1...) { $0.isASCII && $0.isNumber }
                }
            }
        }.map { text, range in
            // Digits with at most one point and one exponent always convert.
            Expression(.number(Double(String(text)) ?? .nan), range)
        }
    }
}
