/// A model's price as providers publish it: dollars per million input and output tokens, and
/// the components some bill apart — a rate for cached input tokens, a rate for reasoning tokens
/// and a fee per request.
///
/// What each token is billed at: cached input tokens are part of the input tokens and billed at
/// the cached input rate; reasoning tokens are part of the output tokens and billed at the
/// reasoning rate; the other input and output tokens at the input and output rates. A price
/// without a cached input (reasoning) rate bills those tokens at its input (output) rate. The
/// fee is added once per request (0 when not given).
///
/// Rounding rule (the only one in RouteLedger): the cost of one request is the exact sum of
/// tokens × rate over those four kinds, plus the fee, rounded once, half to even, to a whole
/// micro-dollar. Amounts derived from costs (savings, totals) are exact sums of those.
public struct TokenPrice: Sendable, Hashable, CustomStringConvertible {
    /// Bounds that keep every cost within Int64: $1,000,000 per million tokens (and per
    /// request), 10^12 tokens.
    public static let maximumPerMillion = MicroUSD(microunits: 1_000_000_000_000)
    public static let maximumTokens: Int64 = 1_000_000_000_000

    public let inputPerMillion: MicroUSD
    public let outputPerMillion: MicroUSD
    /// The rate of cached input tokens; nil: they cost `inputPerMillion`.
    public let cachedInputPerMillion: MicroUSD?
    /// The rate of reasoning tokens; nil: they cost `outputPerMillion`.
    public let reasoningPerMillion: MicroUSD?
    public let perRequest: MicroUSD

    public init(inputPerMillion: MicroUSD, outputPerMillion: MicroUSD, cachedInputPerMillion: MicroUSD? = nil,
                reasoningPerMillion: MicroUSD? = nil, perRequest: MicroUSD = .zero) {
        precondition([inputPerMillion, outputPerMillion, cachedInputPerMillion, reasoningPerMillion, perRequest]
                        .allSatisfy { $0.map(Self.allowedAmounts.contains) ?? true },
                     "prices lie between 0 and maximumPerMillion")
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.reasoningPerMillion = reasoningPerMillion
        self.perRequest = perRequest
    }

    /// What every component may be.
    public static let allowedAmounts = MicroUSD.zero...maximumPerMillion

    /// `$10.000000 / $30.000000 per million input / output tokens`, then the components set:
    /// `, $5.000000 per million cached input tokens, $0.010000 per request`.
    public var description: String {
        var text = "$\(inputPerMillion) / $\(outputPerMillion) per million input / output tokens"
        if let cachedInputPerMillion { text += ", $\(cachedInputPerMillion) per million cached input tokens" }
        if let reasoningPerMillion { text += ", $\(reasoningPerMillion) per million reasoning tokens" }
        if perRequest != .zero { text += ", $\(perRequest) per request" }
        return text
    }

    /// A request's cost by the rule above.
    public func cost(_ tokens: TokenCounts) -> MicroUSD {
        cost(input: tokens.input, cachedInput: tokens.cachedInput, output: tokens.output, reasoning: tokens.reasoning)
    }

    /// A request of `inputTokens` and `outputTokens`, none cached and none reasoning, with the
    /// fee: what the route stage estimates.
    public func cost(inputTokens: Int64, outputTokens: Int64) -> MicroUSD {
        cost(input: inputTokens, cachedInput: 0, output: outputTokens, reasoning: 0)
    }

    private func cost(input: Int64, cachedInput: Int64, output: Int64, reasoning: Int64) -> MicroUSD {
        precondition((0...Self.maximumTokens).contains(input) && (0...Self.maximumTokens).contains(output)
                     && (0...input).contains(cachedInput) && (0...output).contains(reasoning),
                     "token counts lie between 0 and maximumTokens, cached and reasoning ones within input and output")
        func rate(_ amount: MicroUSD) -> Int128 { Int128(amount.microunits) }
        // In units of 1e-6 micro-dollars; Int128 holds any Int64 count times any Int64 price.
        let exact = Int128(input - cachedInput) * rate(inputPerMillion)
            + Int128(cachedInput) * rate(cachedInputPerMillion ?? inputPerMillion)
            + Int128(output - reasoning) * rate(outputPerMillion)
            + Int128(reasoning) * rate(reasoningPerMillion ?? outputPerMillion)
            + rate(perRequest) * 1_000_000
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
