/// An amount of money in millionths of a US dollar. Money is never a binary float: sums of
/// micro-units are exact, and PostgreSQL stores the same integers as `numeric`.
public struct MicroUSD: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let microunits: Int64

    public init(microunits: Int64) {
        self.microunits = microunits
    }

    public static let zero = MicroUSD(microunits: 0)

    /// Reads a decimal dollar amount such as `12.5` or `-0.000001`; more than six decimals, or
    /// anything that is not a plain decimal number, is refused rather than rounded.
    public init?(dollars text: String) {
        guard let value = parseScaledDecimal(text, scale: 6) else { return nil }
        microunits = value
    }

    public static func + (a: MicroUSD, b: MicroUSD) -> MicroUSD {
        MicroUSD(microunits: a.microunits + b.microunits)
    }

    public static func - (a: MicroUSD, b: MicroUSD) -> MicroUSD {
        MicroUSD(microunits: a.microunits - b.microunits)
    }

    public static func < (a: MicroUSD, b: MicroUSD) -> Bool {
        a.microunits < b.microunits
    }

    /// Dollars with all six decimals, e.g. `-0.012500`: the text form used in SQL parameters.
    public var description: String {
        let magnitude = microunits.magnitude
        let whole = magnitude / 1_000_000
        let fraction = String(magnitude % 1_000_000)
        let padded = String(repeating: "0", count: 6 - fraction.count) + fraction
        return (microunits < 0 ? "-" : "") + "\(whole).\(padded)"
    }
}

/// Parses an optionally signed decimal with at most `scale` fractional digits into an integer
/// scaled by 10^scale. Nil on any other text or on overflow.
func parseScaledDecimal(_ text: String, scale: Int) -> Int64? {
    var digits = Substring(text)
    var negative = false
    if digits.first == "-" || digits.first == "+" {
        negative = digits.first == "-"
        digits = digits.dropFirst()
    }
    let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let wholePart = parts.first, !wholePart.isEmpty || parts.count == 2 else { return nil }
    let fractionPart = parts.count == 2 ? parts[1] : ""
    guard fractionPart.count <= scale, !(wholePart.isEmpty && fractionPart.isEmpty),
          (wholePart + fractionPart).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    let padded = fractionPart + String(repeating: "0", count: scale - fractionPart.count)
    guard let value = Int64(wholePart.isEmpty ? "0" : String(wholePart)),
          let fraction = Int64(padded.isEmpty ? "0" : String(padded)) else { return nil }
    var power: Int64 = 1
    for _ in 0..<scale { power *= 10 }
    let (scaled, overflow) = value.multipliedReportingOverflow(by: power)
    guard !overflow else { return nil }
    let (total, overflowAdding) = scaled.addingReportingOverflow(fraction)
    guard !overflowAdding else { return nil }
    return negative ? -total : total
}
