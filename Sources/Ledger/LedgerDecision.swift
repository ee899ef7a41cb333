import Postgres
import Streams

/// A routing decision as the ledger records it: who asked, which model was chosen and which is
/// the reference, what decided it, the estimated tokens, and where the decision was read.
public struct LedgerDecision: Sendable, Equatable {
    public let decisionID: String
    public let queryID: String
    public let tenant: String
    public let decidedAt: PostgresTimestamp
    public let chosenModel: String
    public let referenceModel: String
    public let routerVersion: String
    public let threshold: Double
    /// The reference model's predicted win rate over the cheapest candidate (RouteLLM's P in
    /// the two-model case).
    public let strongWinRate: Double
    public let estimatedInputTokens: Int64
    public let estimatedOutputTokens: Int64
    public let position: RecordPosition
    /// When the query was made: the time its cost is booked at. Nil for a decision record that
    /// does not say, which is booked at its decision time.
    public let requestedAt: PostgresTimestamp?
    /// The query's tags (key to value), already bounded by whoever read the record.
    public let tags: [String: String]

    public init(decisionID: String, queryID: String, tenant: String, decidedAt: PostgresTimestamp, chosenModel: String,
                referenceModel: String, routerVersion: String, threshold: Double, strongWinRate: Double,
                estimatedInputTokens: Int64, estimatedOutputTokens: Int64, position: RecordPosition,
                requestedAt: PostgresTimestamp? = nil, tags: [String: String] = [:]) throws(LedgerInputError) {
        for (value, field) in [(decisionID, "decision_id"), (queryID, "query_id"), (tenant, "tenant"), (chosenModel, "model"),
                               (referenceModel, "reference_model"), (routerVersion, "router_version")] {
            try LedgerInputError.checkText(value, field)
        }
        for (key, value) in tags {
            try LedgerInputError.checkText(key, "tags")
            try LedgerInputError.checkText(value, "tags.\(key)")
        }
        try LedgerInputError.checkProbability(threshold, "threshold")
        try LedgerInputError.checkProbability(strongWinRate, "candidates[0].reference_win_rate")
        try LedgerInputError.checkTokens(estimatedInputTokens, "estimated_input_tokens")
        try LedgerInputError.checkTokens(estimatedOutputTokens, "estimated_output_tokens")
        self.decisionID = decisionID
        self.queryID = queryID
        self.tenant = tenant
        self.decidedAt = decidedAt
        self.chosenModel = chosenModel
        self.referenceModel = referenceModel
        self.routerVersion = routerVersion
        self.threshold = threshold
        self.strongWinRate = strongWinRate
        self.estimatedInputTokens = estimatedInputTokens
        self.estimatedOutputTokens = estimatedOutputTokens
        self.position = position
        self.requestedAt = requestedAt
        self.tags = tags
    }

    /// The tags as the ledger's `jsonb` column takes them: an object, keys in order.
    public var tagsJSON: String {
        "{" + tags.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(tags[$0]!))" }.joined(separator: ",") + "}"
    }

    private static func jsonString(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
