import Foundation
import Streams

/// The decision for one query: schema `routeledger.decision.v1` (see schemas/decision.v1.json),
/// produced to `llm.decisions` and, inside the enriched query, to `llm.route.<model>`.
public struct RoutingDecision: Sendable, Codable, Equatable {
    public static let schema = "routeledger.decision.v1"

    public struct Candidate: Sendable, Codable, Equatable {
        public let model: String
        /// P(reference model beats this candidate) for this query.
        public let referenceWinRate: Double

        enum CodingKeys: String, CodingKey {
            case model
            case referenceWinRate = "reference_win_rate"
        }
    }

    public var schema = Self.schema
    public let decisionID: String
    public let queryID: String
    public let tenant: String
    public let model: String
    public let referenceModel: String
    public let candidates: [Candidate]
    public let threshold: Double
    public let routerKind: String
    public let routerVersion: String
    public let memoryBattles: Int
    public let ratingsVersion: String
    public let embedder: String
    public let estimatedInputTokens: Int64
    public let estimatedOutputTokens: Int64
    public let estimatedCostMicroUSD: Int64
    public let referenceCostMicroUSD: Int64
    /// The price book rows the two costs were estimated at; nil, and left out of the record,
    /// for a configured price (a route stage without a database, or a model the book has no
    /// price of in effect).
    public let priceID: Int64?
    public let referencePriceID: Int64?
    public let source: RecordPosition
    public let createdAt: String
    public let decidedAt: String
    /// The query's tags (`EventBounds.tags`); nil, and left out of the record, when it has none.
    public let tags: [String: String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schema
        case decisionID = "decision_id"
        case queryID = "query_id"
        case tenant, model
        case referenceModel = "reference_model"
        case candidates, threshold
        case routerKind = "router_kind"
        case routerVersion = "router_version"
        case memoryBattles = "memory_battles"
        case ratingsVersion = "ratings_version"
        case embedder
        case estimatedInputTokens = "estimated_input_tokens"
        case estimatedOutputTokens = "estimated_output_tokens"
        case estimatedCostMicroUSD = "estimated_cost_micro_usd"
        case referenceCostMicroUSD = "reference_cost_micro_usd"
        case priceID = "price_id"
        case referencePriceID = "reference_price_id"
        case source
        case createdAt = "created_at"
        case decidedAt = "decided_at"
        case tags
    }

    /// The same query sent to the same model by the same router version always gets the same
    /// id, so a reader can drop the copies a replay after a crash produces. The model is part of
    /// it because the decision depends on more than the query: when the ratings move between two
    /// decisions of one query (a replay while the router follows the database, a second consumer
    /// group), a decision for another model is another decision, with an id of its own and its
    /// own usage, and never a copy with the first one's id.
    public static func id(tenant: String, queryID: String, routerVersion: String, model: String) -> String {
        // Length-prefixed fields: no choice of separator characters can make two inputs collide.
        let key = [tenant, queryID, routerVersion, model].map { "\($0.utf8.count):\($0)" }.joined()
        return String(SHA256.hexDigest(Array(key.utf8)).prefix(32))
    }
}

/// What could not be parsed or routed, with why: schema `routeledger.deadletter.v1`.
public struct DeadLetterRecord: Sendable, Codable, Equatable {
    public static let schema = "routeledger.deadletter.v1"
    /// The most of an event's bytes a dead letter carries. A whole event near the broker's
    /// message size limit, base64-encoded, would exceed it: the dead letter could never be
    /// produced and the stage would retry that batch for ever. The source coordinates still
    /// point at the whole event.
    public static let maximumRawBytes = 65_536

    public var schema = Self.schema
    public let stage: String
    public let source: RecordPosition
    public let errorKind: String
    public let message: String
    /// The event's first `maximumRawBytes` bytes (all of them when it is no longer).
    public let rawBase64: String
    /// The size of the whole event.
    public let rawBytes: Int
    public let rejectedAt: String

    public init(stage: String, source: RecordPosition, rejection: EventRejection, raw: Data, at date: Date) {
        self.stage = stage
        self.source = source
        errorKind = rejection.kind.rawValue
        message = rejection.message
        rawBase64 = raw.prefix(Self.maximumRawBytes).base64EncodedString()
        rawBytes = raw.count
        rejectedAt = formatTimestamp(date)
    }

    enum CodingKeys: String, CodingKey {
        case schema, stage, source
        case errorKind = "error_kind"
        case message
        case rawBase64 = "raw_base64"
        case rawBytes = "raw_bytes"
        case rejectedAt = "rejected_at"
    }
}
