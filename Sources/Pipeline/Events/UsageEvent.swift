import Foundation
import Ledger

/// What an LLM worker reports after answering a routed query: schema `routeledger.usage.v1`
/// (schemas/usage.v1.json), on the usage topic (default llm.usage). The ledger prices the actual
/// tokens and replaces the decision's estimate with them. Of the input tokens, a report may say
/// how many were cached (`cached_input_tokens`), and of the output tokens how many were reasoning
/// (`reasoning_tokens`): both 0 when absent, and never more than the tokens they are part of.
public struct UsageEvent: Sendable, Equatable {
    public static let schema = "routeledger.usage.v1"

    public let queryID: String
    public let tenant: String
    public let model: String
    public let tokens: TokenCounts
    public let completedAt: Date
    /// The decision it answers, when the worker passes it on (the enriched query carries it).
    public let decisionID: String?

    /// `modelNames` turns an alias into the configured name it stands for.
    public init(bytes: Data, modelNames: ModelNames = []) throws(EventRejection) {
        let object = try JSONObject(bytes: bytes)
        let schema = try object.requiredString("schema", maxLength: 64)
        guard schema == Self.schema else {
            throw EventRejection(.wrongSchema, "schema '\(schema)' is not \(Self.schema)")
        }
        queryID = try object.requiredIdentifier("query_id")
        tenant = try object.requiredIdentifier("tenant")
        model = modelNames.resolve(try object.requiredIdentifier("model"))
        let input = try object.requiredInteger("input_tokens", range: EventBounds.tokens)
        let output = try object.requiredInteger("output_tokens", range: EventBounds.tokens)
        let cachedInput = try object.optionalInteger("cached_input_tokens", range: EventBounds.tokens) ?? 0
        let reasoning = try object.optionalInteger("reasoning_tokens", range: EventBounds.tokens) ?? 0
        do {
            tokens = try TokenCounts(input: input, cachedInput: cachedInput, output: output, reasoning: reasoning)
        } catch {
            throw EventRejection(.invalidField, error.description)
        }
        completedAt = try object.requiredTimestamp("completed_at")
        decisionID = try object.optionalIdentifier("decision_id")
    }
}
