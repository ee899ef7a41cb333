/// The tokens of one request as a provider bills them: input tokens, of which some were read
/// from the provider's cache, and output tokens, of which some were reasoning (OpenAI counts
/// reasoning tokens inside its completion tokens; so does RouteLedger). `TokenPrice` says what
/// each kind costs.
public struct TokenCounts: Sendable, Hashable, CustomStringConvertible {
    public let input: Int64
    /// Of `input`, those billed at the cached input rate.
    public let cachedInput: Int64
    public let output: Int64
    /// Of `output`, those billed at the reasoning rate.
    public let reasoning: Int64

    /// Refuses, naming the usage report's field, a count outside what the ledger's `integer`
    /// columns hold, and cached or reasoning tokens beyond the input or output tokens they are
    /// part of.
    public init(input: Int64, cachedInput: Int64 = 0, output: Int64, reasoning: Int64 = 0) throws(LedgerInputError) {
        try LedgerInputError.checkTokens(input, "input_tokens")
        try LedgerInputError.checkTokens(output, "output_tokens")
        try LedgerInputError.checkTokens(cachedInput, "cached_input_tokens")
        try LedgerInputError.checkTokens(reasoning, "reasoning_tokens")
        guard cachedInput <= input else {
            throw LedgerInputError("'cached_input_tokens' (\(cachedInput)) must not exceed 'input_tokens' (\(input)): "
                                   + "cached input tokens are counted in the input tokens")
        }
        guard reasoning <= output else {
            throw LedgerInputError("'reasoning_tokens' (\(reasoning)) must not exceed 'output_tokens' (\(output)): "
                                   + "reasoning tokens are counted in the output tokens")
        }
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
        self.reasoning = reasoning
    }

    /// `2000 input (500 cached) and 300 output (100 reasoning) tokens`; the parentheses only
    /// when there are such tokens.
    public var description: String {
        "\(input) input \(cachedInput > 0 ? "(\(cachedInput) cached) " : "")and "
            + "\(output) output \(reasoning > 0 ? "(\(reasoning) reasoning) " : "")tokens"
    }
}
