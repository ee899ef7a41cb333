/// Why an input event could not be accepted. Every rejected event goes to the dead-letter topic
/// with its kind and message, and its offset is committed: bad input never stops the stream.
public struct EventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case invalidUTF8 = "invalid_utf8"
        case malformedJSON = "malformed_json"
        case wrongSchema = "wrong_schema"
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case emptyPrompt = "empty_prompt"
        case promptTooLarge = "prompt_too_large"
        case badEmbedding = "bad_embedding"
        case unknownModel = "unknown_model"
        case embeddingFailed = "embedding_failed"
        /// A vote names a query whose prompt was not recorded (or is past its retention).
        case unknownQuery = "unknown_query"
        /// A vote names a query id that several tenants used, so its prompt is not known.
        case ambiguousQuery = "ambiguous_query"
        /// The ledger has no price of the decision's chosen or reference model at its time.
        case unpricedModel = "unpriced_model"
        /// A usage report names another model or tenant than its decision.
        case usageMismatch = "usage_mismatch"
        /// A second usage report for a decision whose usage the ledger already holds.
        case duplicateUsage = "duplicate_usage"
        /// PostgreSQL refused a value of the record (the message has the SQLSTATE); the rest of
        /// its batch was recorded.
        case refusedByDatabase = "refused_by_database"
        /// A usage report waited `ledger.usage_wait_seconds` for a decision that never came.
        case noDecision = "no_decision"
        /// A decision for a query that already has a billed decision in the ledger; booked by
        /// `ledger retry-deadletters` once that one is superseded (`ledger supersede`).
        case duplicateQuery = "duplicate_query"
        /// A usage report for a superseded decision: not billed.
        case supersededDecision = "superseded_decision"
        /// A query of a tenant at its budget, whose policy is `deadletter`.
        case budgetExhausted = "budget_exhausted"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
