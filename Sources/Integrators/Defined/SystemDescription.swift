import Expressions

/// An expression's text from a system file and where it was written, so that an error in it
/// can be shown at its line and column with a caret.
public struct SourceText: Sendable {
    public var text: String
    /// The TOML key whose value it is, `equations.y`.
    public var key: String
    /// The file, its 1-based line and the character column where the text starts there (nil
    /// when the text is not found verbatim on one line, e.g. a multi-line string).
    public var path: String
    public var line: Int?
    public var column: Int
    public var lineText: String

    public init(_ text: String, key: String, path: String = "", line: Int? = nil, column: Int = 0, lineText: String = "") {
        self.text = text
        self.key = key
        self.path = path
        self.line = line
        self.column = column
        self.lineText = lineText
    }

    /// The parsed expression, with a syntax error placed in the file.
    public func parsed() throws(SystemError) -> Expression {
        do { return try ExpressionParser.parse(text) } catch { throw located(error) }
    }

    /// `error` (whose range is in this text) as a `SystemError` naming the file, line, column and
    /// key, with the line and a caret under the problem.
    public func located(_ error: ExpressionError) -> SystemError {
        let utf8 = text.utf8
        let lower = min(error.range.lowerBound, utf8.count), upper = min(max(error.range.upperBound, lower + 1), utf8.count)
        let start = text.distance(from: text.startIndex, to: utf8.index(utf8.startIndex, offsetBy: lower))
        let width = max(1, text.distance(from: text.startIndex, to: utf8.index(utf8.startIndex, offsetBy: upper)) - start)
        let (shown, caretColumn, place): (String, Int, String)
        if let line {
            (shown, caretColumn, place) = (lineText, column + start, "\(path):\(line):\(column + start + 1)")
        } else {
            (shown, caretColumn, place) = (text, start, "\(path): \(key), column \(start + 1)")
        }
        let caret = String(repeating: " ", count: caretColumn) + String(repeating: "^", count: width)
        return SystemError("\(place): in \(key): \(error.message)\n    \(shown)\n    \(caret)")
    }
}

/// A system as a file declares it, before compilation: names, expressions and where each was
/// written. `SystemFile` reads it from TOML; `DefinedSystem` compiles it.
public struct SystemDescription: Sendable {
    /// The four kinds of system a file can declare.
    public enum Kind: String, Sendable, CaseIterable {
        /// x' = f(x, t), one expression per variable.
        case ode
        /// x_{n+1} = g(x_n), optionally with g⁻¹.
        case map
        /// H(q, p, t) as one expression; q' = ∂H/∂p, p' = −∂H/∂q by differentiation.
        case hamiltonian
        /// y'' = F(y, t), one expression per position.
        case secondOrder = "second-order"
    }

    /// A declared variable, `x`, or an indexed family, `x[N]` (members x[0] … x[N−1]).
    public struct Declaration: Sendable {
        public var name: String
        /// The family's size, an expression in the parameters; nil for a single variable.
        public var size: SourceText?
    }

    /// The initial point: values in coordinate order (numbers, or expressions in the
    /// parameters), or an expression per coordinate name (a family's by `x[i]`, in its index i
    /// and the parameters).
    public enum Initial: Sendable {
        case values([SourceText])
        case expressions([String: SourceText])
    }

    public var path: String
    public var name: String
    public var kind: Kind
    /// The state's variables (for a Hamiltonian: the coordinates q).
    public var variables: [Declaration]
    /// A Hamiltonian's momenta p, one per coordinate.
    public var momenta: [Declaration] = []
    /// A second-order system's velocity names (default `v_<name>`), used in `energy` and output.
    public var velocities: [String]?
    public var parameters: [String: SourceText] = [:]
    /// Named subexpressions, usable in every expression of the file.
    public var definitions: [String: SourceText] = [:]
    /// Per variable (or `x[i]` for a family): x' (ode), x_{n+1} (map) or x'' (second-order).
    public var equations: [String: SourceText] = [:]
    /// A map's inverse, x_n from x_{n+1}, keyed like `equations`.
    public var inverse: [String: SourceText]?
    public var hamiltonian: SourceText?
    /// A conserved quantity to report the drift of (a Hamiltonian's is H itself).
    public var energy: SourceText?
    public var initial: Initial?
}
