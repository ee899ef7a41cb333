/// An exact decimal number as PostgreSQL's `numeric` writes it: `-12.340`, `0`, `NaN`,
/// `Infinity`.
///
/// The text is kept as written, scale included, so `1.50` and `1.5` are different values here
/// although the server compares them equal. Money crosses into Swift as integer units through
/// `init(units:scale:)` and `units(scale:)`, never through a binary float.
public struct PostgresNumeric: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    /// Accepts `[-]digits[.digits]`, `NaN`, `Infinity` and `-Infinity`; nil for anything else.
    public init?(_ text: String) {
        guard Self.isValid(text) else { return nil }
        self.text = text
    }

    /// `units / 10^scale`, e.g. `init(units: 1_500_000, scale: 6)` is `1.500000`.
    public init(units: Int64, scale: Int) {
        precondition((0...38).contains(scale), "numeric scale out of range")
        var digits = String(units.magnitude)
        if digits.count <= scale {
            digits = String(repeating: "0", count: scale - digits.count + 1) + digits
        }
        if scale > 0 {
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        text = (units < 0 ? "-" : "") + digits
    }

    /// The value in units of `10^-scale` when it is exactly such a whole number and fits in
    /// an `Int64`: `1.25` with scale 6 is `1_250_000`; `0.0000001` with scale 6 is nil.
    public func units(scale: Int) -> Int64? {
        guard scale >= 0, isFinite else { return nil }
        let negative = text.hasPrefix("-")
        let body = negative ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        if fraction.count > scale, fraction.dropFirst(scale).contains(where: { $0 != "0" }) {
            return nil
        }
        let kept = fraction.prefix(scale)
        let digits = whole + kept + String(repeating: "0", count: scale - kept.count)
        var magnitude: UInt64 = 0
        for digit in digits {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(digit.wholeNumberValue!))
            if overflow || carry { return nil }
            magnitude = sum
        }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// False for `NaN` and the infinities.
    public var isFinite: Bool {
        !Self.specialValues.contains(text)
    }

    public var description: String { text }

    private static let specialValues: Set<String> = ["NaN", "Infinity", "-Infinity"]

    private static func isValid(_ text: String) -> Bool {
        if specialValues.contains(text) { return true }
        let body = text.hasPrefix("-") ? text.utf8.dropFirst() : text.utf8[...]
        let parts = body.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        }
    }
}
