import ArgumentParser
import Foundation

/// Printing helpers shared by the commands.
enum Output {
    /// Prints `value` as one compact JSON object on stdout (keys sorted, so output is stable).
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
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
