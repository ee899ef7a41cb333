/// The parts of a `TokenPrice`, named as the `prices` table's columns, the price list file's
/// header and the output of `prices list` name them: dollars per million tokens of each kind,
/// and dollars per request.
public enum PriceComponent: String, CaseIterable, Sendable {
    case input = "input_usd_per_million"
    case output = "output_usd_per_million"
    case cachedInput = "cached_input_usd_per_million"
    case reasoning = "reasoning_usd_per_million"
    case perRequest = "per_request_usd"

    /// Every price has an input and an output rate; the other components may be left out.
    public var isRequired: Bool { self == .input || self == .output }
}

extension TokenPrice {
    /// A price of the components given: nil without an input or an output rate. A component
    /// left out is not billed apart (the fee is 0).
    public init?(components: [PriceComponent: MicroUSD]) {
        guard let input = components[.input], let output = components[.output] else { return nil }
        self.init(inputPerMillion: input, outputPerMillion: output, cachedInputPerMillion: components[.cachedInput],
                  reasoningPerMillion: components[.reasoning], perRequest: components[.perRequest] ?? .zero)
    }

    /// The amount of `component`: nil for a cached input or reasoning rate the price does not
    /// set; the fee is always given (0 when there is none).
    public subscript(component: PriceComponent) -> MicroUSD? {
        switch component {
        case .input: inputPerMillion
        case .output: outputPerMillion
        case .cachedInput: cachedInputPerMillion
        case .reasoning: reasoningPerMillion
        case .perRequest: perRequest
        }
    }
}
