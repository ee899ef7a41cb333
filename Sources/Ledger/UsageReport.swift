import Postgres
import Streams

/// What a model actually used for one query, as a worker reported it: the ledger prices these
/// tokens and records them on the query's decision in place of the estimate.
public struct UsageReport: Sendable, Equatable {
    public let tenant: String
    public let queryID: String
    /// The decision answered, when the worker passed it on; otherwise the report is matched by
    /// tenant and query id.
    public let decisionID: String?
    public let model: String
    public let tokens: TokenCounts
    public let completedAt: PostgresTimestamp
    public let position: RecordPosition

    public init(tenant: String, queryID: String, decisionID: String?, model: String, tokens: TokenCounts,
                completedAt: PostgresTimestamp, position: RecordPosition) throws(LedgerInputError) {
        for (value, field) in [(tenant, "tenant"), (queryID, "query_id"), (model, "model")] {
            try LedgerInputError.checkText(value, field)
        }
        if let decisionID { try LedgerInputError.checkText(decisionID, "decision_id") }
        self.tenant = tenant
        self.queryID = queryID
        self.decisionID = decisionID
        self.model = model
        self.tokens = tokens
        self.completedAt = completedAt
        self.position = position
    }
}
