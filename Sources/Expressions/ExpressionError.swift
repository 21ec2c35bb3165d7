/// A problem in an expression, with the range of text it concerns: the caller (a system file's
/// reader) knows where the text came from and renders the line, the column and a caret.
public struct ExpressionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong and what to do, in one sentence.
    public var message: String
    /// The characters concerned, as offsets into the expression's text.
    public var range: SourceRange

    public init(_ message: String, at range: SourceRange) {
        self.message = message
        self.range = range
    }

    public var description: String { "column \(range.lowerBound + 1): \(message)" }

    /// The text, and a line under it with a caret under each character of `range`.
    public func caret(under text: String, indent: String = "") -> String {
        let width = max(1, min(range.upperBound, text.count) - range.lowerBound)
        return indent + text + "\n" + indent + String(repeating: " ", count: range.lowerBound) + String(repeating: "^", count: width)
    }
}
