/// A model's price per million input and output tokens, as providers publish it.
///
/// Rounding rule (the only one in RouteLedger): the cost of one request is the exact product
/// tokens × price summed over input and output, rounded once, half to even, to a whole
/// micro-dollar. Amounts derived from costs (savings, totals) are exact sums of those.
public struct TokenPrice: Sendable, Hashable, CustomStringConvertible {
    /// Bounds that keep every cost within Int64: $1,000,000 per million tokens, 10^12 tokens.
    public static let maximumPerMillion = MicroUSD(microunits: 1_000_000_000_000)
    public static let maximumTokens: Int64 = 1_000_000_000_000

    public let inputPerMillion: MicroUSD
    public let outputPerMillion: MicroUSD

    public init(inputPerMillion: MicroUSD, outputPerMillion: MicroUSD) {
        precondition((MicroUSD.zero...Self.maximumPerMillion).contains(inputPerMillion)
                     && (MicroUSD.zero...Self.maximumPerMillion).contains(outputPerMillion),
                     "prices lie between 0 and maximumPerMillion")
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    /// `$10.000000 / $30.000000 per million input / output tokens`.
    public var description: String {
        "$\(inputPerMillion) / $\(outputPerMillion) per million input / output tokens"
    }

    public func cost(inputTokens: Int64, outputTokens: Int64) -> MicroUSD {
        precondition((0...Self.maximumTokens).contains(inputTokens) && (0...Self.maximumTokens).contains(outputTokens),
                     "token counts lie between 0 and maximumTokens")
        // In units of 1e-6 micro-dollars; Int128 holds any Int64 count times any Int64 price.
        let exact = Int128(inputTokens) * Int128(inputPerMillion.microunits)
            + Int128(outputTokens) * Int128(outputPerMillion.microunits)
        return MicroUSD(microunits: Int64(roundHalfToEven(exact, divisor: 1_000_000)))
    }
}

/// numerator / divisor rounded to the nearest integer, ties to even (divisor > 0).
func roundHalfToEven(_ numerator: Int128, divisor: Int128) -> Int128 {
    var quotient = numerator / divisor
    let remainder = numerator % divisor
    let twice = remainder.magnitude * 2
    if twice > divisor.magnitude || (twice == divisor.magnitude && quotient % 2 != 0) {
        quotient += numerator < 0 ? -1 : 1
    }
    return quotient
}
