import Foundation

/// Sizes computed from what a user hands in (a file's header, a flag), checked before anything
/// is allocated: products that overflow are refused rather than trapping, and a size is
/// compared with what backs it (the bytes a file really has) by division, never by a product
/// that could overflow.
public enum SafeSize {
    /// The product of `factors`, or nil if one is negative or the product overflows `Int`.
    public static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (q, overflow) = p.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            p = q
        }
        return p
    }

    /// The sum of `terms`, or nil if one is nil or negative or the sum overflows `Int`.
    public static func sum(_ terms: [Int?]) -> Int? {
        var total = 0
        for term in terms {
            guard let term, term >= 0 else { return nil }
            let (s, overflow) = total.addingReportingOverflow(term)
            if overflow { return nil }
            total = s
        }
        return total
    }

    /// Whether `count` elements of `width` bytes fit in half this machine's memory: the bound
    /// for buffers whose size a user chooses (a trajectory, a dense Jacobian, a stack of blocks).
    public static func fitsInMemory(_ count: Int?, width: Int) -> Bool {
        guard let count else { return false }
        return fits(count, width: width, in: Int(clamping: ProcessInfo.processInfo.physicalMemory / 2))
    }

    /// Whether `count` elements of `width` bytes fit in `available` bytes.
    public static func fits(_ count: Int, width: Int, in available: Int) -> Bool {
        count >= 0 && width > 0 && available >= 0 && count <= available / width
    }
}

extension String {
    /// The text with control characters shown as escapes (`\u{0}`), so that an error message
    /// quoting a file's bytes never carries raw control characters to a terminal.
    public var printable: String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{7F}" {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
