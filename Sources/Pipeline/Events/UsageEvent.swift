import Foundation
import Ledger

/// What an LLM worker reports after answering a routed query: schema `routeledger.usage.v1`
/// (schemas/usage.v1.json), on the usage topic (default llm.usage). The ledger prices the actual
/// tokens and replaces the decision's estimate with them.
public struct UsageEvent: Sendable, Equatable {
    public static let schema = "routeledger.usage.v1"

    public let queryID: String
    public let tenant: String
    public let model: String
    public let inputTokens: Int64
    public let outputTokens: Int64
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
        inputTokens = try object.requiredInteger("input_tokens", range: EventBounds.tokens)
        outputTokens = try object.requiredInteger("output_tokens", range: EventBounds.tokens)
        completedAt = try object.requiredTimestamp("completed_at")
        decisionID = try object.optionalIdentifier("decision_id")
    }
}
