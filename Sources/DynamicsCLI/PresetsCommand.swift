import ArgumentParser
import Dynamics

/// `dynamics presets`: the named networks, their shape, size and source.
struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List the named networks: block, units, widths, batch norm, h, depth, parameters and source.",
        discussion: """
            Parameters are counted for CIFAR-10 (3 input channels, 10 classes) and compared with \
            the count the source publishes, where it gives one. Any preset's settings can be \
            overridden in train and bench (--units, --filters, --dt, --norm).
            """)

    @OptionGroup var output: OutputOptions

    struct Row: Codable {
        var name: String
        var block: String
        var units: [Int]
        var filters: [Int]
        var normalization: String
        var stepSize: Double
        var depth: Int
        var parameters: Int?
        var publishedParameters: Int?
        var source: String
    }

    func run() throws {
        let rows = Architecture.presets.map { p in
            let a = p.architecture
            return Row(name: p.name, block: a.block.rawValue, units: a.units, filters: a.filters, normalization: a.normalization.rawValue,
                       stepSize: a.resolvedStepSize, depth: a.depth, parameters: a.parameterCount(inputChannels: 3, classes: 10),
                       publishedParameters: p.publishedParameters, source: p.source)
        }
        if output.json { return try Output.printJSON(rows) }
        print("preset            block        units        filters          norm   h    depth  parameters  published")
        for r in rows {
            let published = r.publishedParameters.map { p in
                let difference = 100 * (Double(r.parameters ?? 0) - Double(p)) / Double(p)
                return "\(Output.pad(String(p), 9)) (\(difference >= 0 ? "+" : "")\(String(format: "%.1f", difference))%)"
            } ?? "—"
            print(r.name.padding(toLength: 18, withPad: " ", startingAt: 0)
                  + r.block.padding(toLength: 13, withPad: " ", startingAt: 0)
                  + r.units.map(String.init).joined(separator: ",").padding(toLength: 13, withPad: " ", startingAt: 0)
                  + r.filters.map(String.init).joined(separator: ",").padding(toLength: 17, withPad: " ", startingAt: 0)
                  + r.normalization.padding(toLength: 7, withPad: " ", startingAt: 0)
                  + String(format: "%-5g", r.stepSize)
                  + Output.pad(String(r.depth), 5) + Output.pad(r.parameters.map(String.init) ?? "?", 12) + "  " + published)
        }
        print("")
        for source in Set(rows.map(\.source)).sorted() {
            print("\(rows.filter { $0.source == source }.map(\.name).joined(separator: ", ")): \(source)")
        }
    }
}
