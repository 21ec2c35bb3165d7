import ArgumentParser
import Foundation

/// Printing helpers shared by the commands.
enum Output {
    /// The exit status of a run whose JSON report holds non-finite values.
    static let nonFiniteExitCode: Int32 = 3

    /// Prints `value` as one compact JSON object on stdout (keys sorted, so output is stable).
    /// JSON has no NaN or infinity: such values are written as `null`, the object gets
    /// `"nonFinite": true`, and the process exits with status 3 after printing — the output
    /// always parses, and a diverged run is never mistaken for a good one.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let marker = "\u{1}nonfinite\u{1}"
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
        var text = String(decoding: try encoder.encode(value), as: UTF8.self)
        let quoted = String(decoding: try JSONEncoder().encode(marker), as: UTF8.self)
        guard text.contains(quoted) else { return print(text) }
        text = text.replacingOccurrences(of: quoted, with: "null")
        if text.hasPrefix("{") { text = "{\"nonFinite\":true" + (text == "{}" ? "}" : "," + text.dropFirst()) }
        print(text)
        throw ExitCode(nonFiniteExitCode)
    }

    /// A number in a fixed-width scientific format for tables.
    static func sci(_ x: Double, digits: Int = 6) -> String {
        let s = String(format: "%.\(digits)e", x)
        return x < 0 ? s : " " + s
    }

    /// Pads `s` on the left to `width`.
    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}

/// `--json`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object on stdout instead of the readable report.")
    var json = false
}

/// A user error caught at the command line: printed as `Error: <message>` on stderr, exit 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
