import Expressions
import Foundation
import TOMLKit

/// Reads a system file: TOML (LebJe/TOMLKit over toml++) that declares an ODE, a map, a
/// Hamiltonian or a second-order system by its equations. The format is in the README
/// ("Your own system") and `examples/systems/`. Every mistake is reported with the file, the
/// line and the key, and an expression's with a caret under the column.
public enum SystemFile {
    /// Files larger than this are refused before reading.
    public static let maximumBytes = 4 << 20

    static let rootKeys: Set<String> = ["name", "description", "kind", "variables", "coordinates", "momenta", "velocities", "parameters",
                                        "definitions", "equations", "inverse", "hamiltonian", "energy", "initial", "reference"]

    /// Reads and checks the file at `path`.
    public static func read(_ path: String) throws(SystemError) -> SystemDescription {
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw SystemError("\(path): no such system file (a system file is a .toml file; see examples/systems/)") }
        guard size <= maximumBytes else { throw SystemError("\(path): \(size) bytes; a system file may have at most \(maximumBytes)") }
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw SystemError("\(path): cannot be read as UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Reads a system file's text; `path` names it in messages.
    public static func parse(_ text: String, path: String) throws(SystemError) -> SystemDescription {
        try checkCharacters(text, path: path)
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw SystemError("\(path):\(e.source.begin.line):\(e.source.begin.column): not valid TOML: \(e.description)")
        } catch {
            throw SystemError("\(path): not valid TOML: \(error)")
        }
        let reader = Reader(path: path, lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), root: root)
        return try reader.description()
    }
}

extension SystemFile {
    /// Refuses a character that TOML 1.0 allows only inside strings and comments (anything
    /// outside ASCII, and control characters) when it stands outside them. toml++ asserts
    /// instead of reporting such a character in a table header (found by `make fuzz`: `[` then
    /// U+FFFD aborts the process), so the text is checked before toml++ sees it; so is the start
    /// of each table header (`[ = 1` at a line's start makes toml++ assert too) and a `}` where
    /// an array expects a value (`[1, }`, likewise).
    static func checkCharacters(_ text: String, path: String) throws(SystemError) {
        enum Context { case code, comment, basic, literal, multilineBasic, multilineLiteral }
        var context = Context.code
        var line = 1
        let scalars = Array(text.unicodeScalars)
        func starts(_ k: Int, _ quote: Unicode.Scalar) -> Bool {
            k + 2 < scalars.count && scalars[k] == quote && scalars[k + 1] == quote && scalars[k + 2] == quote
        }
        func isKeyStart(_ c: Unicode.Scalar) -> Bool {
            (c.isASCII && (Character(c).isLetter || Character(c).isNumber)) || c == "-" || c == "_" || c == "\"" || c == "'" || c == "]"
        }
        var i = 0
        var lineStart = true
        var containers: [Unicode.Scalar] = []  // open arrays ([) and inline tables ({) in values
        while i < scalars.count {
            let c = scalars[i]
            if c == "\n" { line += 1 }
            switch context {
            case .code:
                if c == "[" && lineStart && containers.isEmpty {
                    var k = i + 1
                    if k < scalars.count && scalars[k] == "[" { k += 1 }
                    while k < scalars.count && (scalars[k] == " " || scalars[k] == "\t") { k += 1 }
                    guard k < scalars.count, isKeyStart(scalars[k]) else {
                        throw SystemError("\(path):\(line): a table header is a name in brackets, as in [equations]")
                    }
                    // Past the header's name and its closing bracket(s).
                    while i + 1 < scalars.count && scalars[i + 1] != "\n" && scalars[i + 1] != "]" { i += 1 }
                    while i + 1 < scalars.count && scalars[i + 1] == "]" { i += 1 }
                    lineStart = false
                } else if c == "[" || c == "{" {
                    containers.append(c)
                } else if c == "]" || c == "}" {
                    guard containers.last == (c == "]" ? "[" : "{") else {
                        throw SystemError("\(path):\(line): '\(c)' does not close an open '\(c == "]" ? "[" : "{")'; check the brackets")
                    }
                    containers.removeLast()
                }
                if c == "\n" { lineStart = true } else if c != " " && c != "\t" && c != "\r" { lineStart = false }
                if c == "#" { context = .comment }
                else if starts(i, "\"") { context = .multilineBasic; i += 2 }
                else if starts(i, "'") { context = .multilineLiteral; i += 2 }
                else if c == "\"" { context = .basic }
                else if c == "'" { context = .literal }
                else if !c.isASCII || (c.value < 0x20 && c != "\t" && c != "\n" && c != "\r") || c.value == 0x7f {
                    throw SystemError("\(path):\(line): the character U+\(String(c.value, radix: 16, uppercase: true)) stands outside a string or comment; TOML names are ASCII letters, digits, - and _ (quote other names)")
                }
            case .comment:
                if c == "\n" { context = .code; lineStart = true }
            case .basic:
                if c == "\\" { i += 1 } else if c == "\"" || c == "\n" { context = .code }
            case .literal:
                if c == "'" || c == "\n" { context = .code }
            case .multilineBasic:
                if c == "\\" { i += 1 } else if starts(i, "\"") { context = .code; i += 2 }
            case .multilineLiteral:
                if starts(i, "'") { context = .code; i += 2 }
            }
            i += 1
        }
    }
}

/// The walk over one file's TOML tree.
private struct Reader {
    let path: String
    let lines: [String]
    let root: TOMLTable

    func fail(_ message: String, key: String? = nil) -> SystemError {
        if let key, let (line, _) = locate(key) { return SystemError("\(path):\(line): \(key): \(message)") }
        return SystemError("\(path): \(key.map { "\($0): " } ?? "")\(message)")
    }

    func description() throws(SystemError) -> SystemDescription {
        for key in root.keys where !SystemFile.rootKeys.contains(key) {
            throw fail("unknown key '\(key)'\(Graph.suggestion(for: key, among: Array(SystemFile.rootKeys))); the keys are \(SystemFile.rootKeys.sorted().joined(separator: ", "))", key: key)
        }
        guard let kindText = root["kind"]?.string else {
            throw fail("kind = \"…\" is required: one of \(SystemDescription.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let kind = SystemDescription.Kind(rawValue: kindText) else {
            throw fail("unknown kind '\(kindText)'; choose one of \(SystemDescription.Kind.allCases.map(\.rawValue).joined(separator: ", "))", key: "kind")
        }
        let name = root["name"]?.string ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var d = SystemDescription(path: path, name: name, kind: kind, variables: [])
        d.parameters = try expressions(in: "parameters", allowNumbers: true) ?? [:]
        d.definitions = try expressions(in: "definitions") ?? [:]
        if kind == .hamiltonian {
            for key in ["variables", "equations", "inverse", "velocities"] where root.contains(key: key) {
                throw fail("a hamiltonian system declares coordinates, momenta and hamiltonian, not \(key)", key: key)
            }
            d.variables = try declarations("coordinates")
            d.momenta = try declarations("momenta")
            guard d.momenta.count == d.variables.count else {
                throw fail("\(d.momenta.count) momenta for \(d.variables.count) coordinates; declare one momentum per coordinate", key: "momenta")
            }
            guard let h = root["hamiltonian"]?.string else { throw fail("hamiltonian = \"…\" (an expression in the coordinates and momenta) is required") }
            d.hamiltonian = source(h, key: "hamiltonian")
            if root.contains(key: "energy") { throw fail("a hamiltonian system's energy is H itself; remove energy", key: "energy") }
        } else {
            for key in ["coordinates", "momenta", "hamiltonian"] where root.contains(key: key) {
                throw fail("\(key) belongs to kind = \"hamiltonian\"; a\(kind == .ode ? "n" : "") \(kind.rawValue) system declares variables and equations", key: key)
            }
            d.variables = try declarations("variables")
            guard let equations = try expressions(in: "equations") else { throw fail("an [equations] table is required, one entry per variable") }
            d.equations = equations
            if root.contains(key: "inverse") {
                guard kind == .map else { throw fail("only a map has an inverse", key: "inverse") }
                d.inverse = try expressions(in: "inverse")
            }
            if let v = root["velocities"] {
                guard kind == .secondOrder else { throw fail("only a second-order system names its velocities", key: "velocities") }
                guard let names = v.array?.compactMap(\.string), names.count == v.array?.count else { throw fail("must be an array of names", key: "velocities") }
                d.velocities = names
            }
            if let e = root["energy"] {
                guard let text = e.string else { throw fail("must be an expression in quotes", key: "energy") }
                d.energy = source(text, key: "energy")
            }
        }
        if let initial = root["initial"] {
            if let array = initial.array {
                var values: [SourceText] = []
                for (k, element) in array.enumerated() {
                    if let v = element.double ?? element.int.map(Double.init) {
                        values.append(SourceText("\(v)", key: "initial[\(k)]", path: path))
                    } else if let text = element.string {
                        values.append(source(text, key: "initial[\(k)]", table: nil, name: "initial"))
                    } else {
                        throw fail("must be numbers or expressions in quotes, or a table of expressions by coordinate name", key: "initial")
                    }
                }
                d.initial = .values(values)
            } else if initial.table != nil {
                d.initial = .expressions(try expressions(in: "initial", allowNumbers: true) ?? [:])
            } else {
                throw fail("must be an array of numbers or a table by coordinate name", key: "initial")
            }
        }
        return d
    }

    /// An array of names, `["x", "y"]` or a family `["x[N]"]`.
    func declarations(_ key: String) throws(SystemError) -> [SystemDescription.Declaration] {
        guard let array = root[key]?.array else { throw fail("\(key) = [\"x\", \"y\", …] is required (an array of names; \"x[N]\" declares a family x[0] … x[N−1])") }
        var result: [SystemDescription.Declaration] = []
        for element in array {
            guard let text = element.string else { throw fail("must be names in quotes", key: key) }
            let s = source(text, key: key)
            switch try s.parsed().syntax {
            case .name(let name): result.append(.init(name: name, size: nil))
            case .indexed(let name, let size):
                let sizeText = String(text.utf8.dropFirst(size.range.lowerBound).prefix(size.range.upperBound - size.range.lowerBound)) ?? ""
                result.append(.init(name: name, size: SourceText(sizeText, key: key, path: path, line: s.line, column: s.column + size.range.lowerBound, lineText: s.lineText)))
            default: throw s.located(ExpressionError("a variable is a name, or name[size] for a family", at: SourceRange(0, text.utf8.count)))
            }
        }
        guard !result.isEmpty else { throw fail("declare at least one", key: key) }
        return result
    }

    /// A table of expressions (strings; numbers too where `allowNumbers`), nil if absent.
    func expressions(in table: String, allowNumbers: Bool = false) throws(SystemError) -> [String: SourceText]? {
        guard let value = root[table] else { return nil }
        guard let t = value.table else { throw fail("must be a table: [\(table)] followed by name = \"expression\" lines", key: table) }
        var result: [String: SourceText] = [:]
        for key in t.keys {
            let entry = t[key]!
            if let text = entry.string {
                result[key] = source(text, key: "\(table).\(key)", table: table, name: key)
            } else if allowNumbers, let v = entry.double ?? entry.int.map(Double.init) {
                result[key] = SourceText("\(v)", key: "\(table).\(key)", path: path)
            } else {
                throw fail("must be \(allowNumbers ? "a number or " : "")an expression in quotes", key: "\(table).\(key)")
            }
        }
        return result
    }

    /// The text with the place it was written, found by reading the file's lines: the line
    /// of `name = ` under `[table]` (or `table.name = ` at the top level), then the quote.
    func source(_ text: String, key: String, table: String? = nil, name: String? = nil) -> SourceText {
        guard let (line, lineText) = locate(key, table: table, name: name) else { return SourceText(text, key: key, path: path) }
        guard let equals = lineText.firstIndex(of: "="),
              let range = lineText[equals...].range(of: text) else { return SourceText(text, key: key, path: path) }
        return SourceText(text, key: key, path: path, line: line, column: lineText.distance(from: lineText.startIndex, to: range.lowerBound), lineText: lineText)
    }

    /// The 1-based line (and its text) where `key` is assigned.
    func locate(_ key: String, table: String? = nil, name: String? = nil) -> (Int, String)? {
        let (table, name) = (table, name ?? key)
        var current: String? = nil
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                current = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).replacingOccurrences(of: "\"", with: "")
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let left = line[..<equals].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "'", with: "")
            if current == table && left == name { return (i + 1, raw) }
            if let table, current == nil, left == "\(table).\(name)" { return (i + 1, raw) }
            if table == nil, current == nil, left == name { return (i + 1, raw) }
        }
        return nil
    }
}
