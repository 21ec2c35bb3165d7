import Testing
@testable import Expressions

/// The grammar: precedence, associativity, number notations, Unicode operators, and errors that
/// point at the right column.
@Suite struct ParserTests {
    /// Evaluates `text` with x = 2, y = 3 through parse → lower → program.
    static func value(_ text: String, x: Double = 2, y: Double = 3) throws -> Double {
        var graph = Graph()
        let scope = Scope(["x": .node(graph.input(0)), "y": .node(graph.input(1))])
        let node = try graph.lower(try ExpressionParser.parse(text), in: scope)
        let program = Program(graph, outputs: [node], inputCount: 2)
        return program.withRegisters(Double.self) { r in
            r[program.inputBase] = x
            r[program.inputBase + 1] = y
            program.run(r, late: false)
            return r[program.outputs[0]]
        }
    }

    @Test(arguments: [
        ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9), ("2 ^ 3 ^ 2", 512), ("-x^2", -4), ("2^-1", 0.5),
        ("x ** 3", 8), ("10 - 4 - 3", 3), ("12 / 3 / 2", 2), ("−x × y ÷ 4", -1.5), ("x·y", 6),
        ("1.5e3", 1500), ("2E-2", 0.02), (".5", 0.5), ("3.", 3), ("1e+2", 100), ("- -x", 2),
        ("+x", 2), ("pow(x, y)", 8), ("min(x, y, 1)", 1), ("max(x, y)", 3), ("abs(-x)", 2),
        ("sqrt(16)", 4), ("exp(0) + log(1)", 1), ("atan(1) * 4", Double.pi), ("tanh(0) + cosh(0) + sinh(0)", 1),
        ("  x\n + y ", 5), ("sin(pi/2) + cos(0) + tan(0)", 2),
    ])
    func evaluates(text: String, expected: Double) throws {
        let v = try Self.value(text)
        #expect(abs(v - expected) <= 1e-15 * max(1, abs(expected)), "\(text) = \(v), expected \(expected)")
    }

    @Test(arguments: [
        ("x +", 3, "ends too early"), ("x * (y - 1", 10, "ends too early"), ("2 $ 3", 2, "unexpected '$'"), ("2x", 1, "write products with *"), ("sinn(x)", 0, "unknown function 'sinn'; did you mean 'sin'?"),
        ("w + x", 0, "unknown name 'w'"), ("sin(x, y)", 0, "sin takes 1 argument, got 2"), ("x / 0", 4, "division by zero"),
        ("pow(x)", 0, "pow takes 2 arguments"), ("log(0) + x", 0, "evaluates to -inf"), ("x[1]", 0, "not an indexed family"),
    ])
    func errorsPointAtTheProblem(text: String, column: Int, phrase: String) {
        do {
            _ = try Self.value(text)
            Issue.record("\(text) was accepted")
        } catch let e as ExpressionError {
            #expect(e.range.lowerBound == column, "\(text): \(e)")
            #expect(e.message.contains(phrase), "\(text): \(e.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func caretMarksTheRange() {
        let e = ExpressionError("unknown name 'w'", at: SourceRange(4, 5))
        #expect(e.caret(under: "x + w") == "x + w\n    ^")
    }

    /// Deep nesting is refused with a message, not a stack overflow; long flat chains are fine.
    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "(", count: 5000) + "x" + String(repeating: ")", count: 5000)
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse(deep) }
        let signs = String(repeating: "-", count: 5000) + "x"
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse(signs) }
        let towers = Array(repeating: "x", count: 5000).joined(separator: "^")
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse(towers) }
        // (Kept short: swift-testing records a backtrace for every error thrown, and the
        // parser's alternatives throw on each term; outside tests 20,000 terms parse quickly.)
        let chain = Array(repeating: "x", count: 2000).joined(separator: " + ")
        #expect(try Self.value(chain) == 4000)
    }
}
