import Postgres

/// The shadow ledger of replays (`replays`, `replay_decisions`): what past traffic would have
/// cost under another router or another price list, beside what it did cost. It reads the
/// ledger and never writes it.
public enum ReplayLedger {
    public enum Kind: String, Sendable {
        /// Queries read again and routed again.
        case reroute
        /// The ledger's own decisions, priced again.
        case reprice
    }

    /// One replayed query: the model chosen (the actual one when re-pricing), the tokens priced
    /// and the costs at the replay's prices.
    public struct Decision: Sendable, Equatable {
        public let tenant: String
        public let queryID: String
        public let requestedAt: PostgresTimestamp
        public let chosenModel: String
        public let referenceModel: String
        public let strongWinRate: Double?
        public let tokens: TokenCounts
        /// Whether the tokens are the query's actual ones (else its estimate).
        public let actualTokens: Bool
        public let cost: MicroUSD
        public let referenceCost: MicroUSD

        public init(tenant: String, queryID: String, requestedAt: PostgresTimestamp, chosenModel: String, referenceModel: String,
                    strongWinRate: Double?, tokens: TokenCounts, actualTokens: Bool, cost: MicroUSD, referenceCost: MicroUSD) {
            self.tenant = tenant
            self.queryID = queryID
            self.requestedAt = requestedAt
            self.chosenModel = chosenModel
            self.referenceModel = referenceModel
            self.strongWinRate = strongWinRate
            self.tokens = tokens
            self.actualTokens = actualTokens
            self.cost = cost
            self.referenceCost = referenceCost
        }
    }

    /// A billed ledger row as a replay reads it: booked at its request time, with its best
    /// known tokens.
    public struct BilledQuery: Sendable, Equatable {
        public let tenant: String
        public let queryID: String
        public let bookedAt: PostgresTimestamp
        public let chosenModel: String
        public let referenceModel: String
        public let tokens: TokenCounts
        public let actualTokens: Bool
    }

    /// The billed decisions booked in [`from`, `to`) (by request time), of one tenant or all.
    public static func billedQueries(from: PostgresTimestamp?, to: PostgresTimestamp?, tenant: String?,
                                     on connection: PostgresConnection) throws -> [BilledQuery] {
        try connection.query("""
            SELECT tenant, query_id, coalesce(requested_at, decided_at) AS booked_at, chosen_model, reference_model,
                   coalesce(actual_input_tokens, estimated_input_tokens) AS input_tokens,
                   coalesce(actual_output_tokens, estimated_output_tokens) AS output_tokens, actual_cost IS NOT NULL AS actual,
                   -- None in an estimate, nor in actual usage recorded before migration 0016.
                   coalesce(actual_cached_input_tokens, 0) AS cached_input_tokens, coalesce(actual_reasoning_tokens, 0) AS reasoning_tokens
            FROM ledger
            WHERE superseded_at IS NULL AND ($1::timestamptz IS NULL OR coalesce(requested_at, decided_at) >= $1)
              AND ($2::timestamptz IS NULL OR coalesce(requested_at, decided_at) < $2) AND ($3::text IS NULL OR tenant = $3)
            ORDER BY tenant, query_id
            """, [from.map { .timestamptz($0) } ?? .null, to.map { .timestamptz($0) } ?? .null, tenant.map { .text($0) } ?? .null]).map { row in
            BilledQuery(tenant: try row.decode(column: "tenant"), queryID: try row.decode(column: "query_id"),
                        bookedAt: try row.decode(column: "booked_at"), chosenModel: try row.decode(column: "chosen_model"),
                        referenceModel: try row.decode(column: "reference_model"),
                        tokens: try TokenCounts(input: Int64(try row.decode(Int32.self, column: "input_tokens")),
                                                cachedInput: Int64(try row.decode(Int32.self, column: "cached_input_tokens")),
                                                output: Int64(try row.decode(Int32.self, column: "output_tokens")),
                                                reasoning: Int64(try row.decode(Int32.self, column: "reasoning_tokens"))),
                        actualTokens: try row.decode(column: "actual"))
        }
    }

    /// Records a replay and its decisions in one transaction; an id already used is refused.
    public static func record(id: String, kind: Kind, parametersJSON: String, decisions: [Decision],
                              on connection: PostgresConnection) throws {
        try connection.transaction {
            let inserted = try connection.execute("""
                INSERT INTO replays (id, kind, parameters) VALUES ($1, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING
                """, [.text(id), .text(kind.rawValue), .text(parametersJSON)])
            guard inserted == 1 else { throw LedgerError("replay '\(id)' exists already: choose another --id, or drop it first (replay --drop \(id))") }
            try connection.copy(into: "replay_decisions", columns: [
                "replay_id", "tenant", "query_id", "requested_at", "chosen_model", "reference_model", "strong_win_rate",
                "input_tokens", "output_tokens", "actual_tokens", "cost", "reference_cost", "cached_input_tokens", "reasoning_tokens",
            ], rows: decisions.map { decision in
                [.text(id), .text(decision.tenant), .text(decision.queryID), .timestamptz(decision.requestedAt),
                 .text(decision.chosenModel), .text(decision.referenceModel), decision.strongWinRate.map { .double($0) } ?? .null,
                 .integer(Int32(decision.tokens.input)), .integer(Int32(decision.tokens.output)), .bool(decision.actualTokens),
                 decision.cost.postgresValue, decision.referenceCost.postgresValue, .integer(Int32(decision.tokens.cachedInput)),
                 .integer(Int32(decision.tokens.reasoning))]
            })
        }
    }

    public struct Summary: Sendable, Equatable {
        public let id: String
        public let kind: String
        public let createdAt: String
        public let createdBy: String
        public let queries: Int64
        public let parametersJSON: String
    }

    public static func list(on connection: PostgresConnection) throws -> [Summary] {
        try connection.query("""
            SELECT r.id, r.kind, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at, r.created_by,
                   (SELECT count(*) FROM replay_decisions AS d WHERE d.replay_id = r.id) AS queries, r.parameters::text AS parameters
            FROM replays AS r ORDER BY r.created_at, r.id
            """).map { row in
            Summary(id: try row.decode(column: "id"), kind: try row.decode(column: "kind"), createdAt: try row.decode(column: "created_at"),
                    createdBy: try row.decode(column: "created_by"), queries: try row.decode(column: "queries"),
                    parametersJSON: try row.decode(column: "parameters"))
        }
    }

    /// Drops a replay and its decisions; false when there is none of that id.
    public static func drop(id: String, on connection: PostgresConnection) throws -> Bool {
        try connection.execute("DELETE FROM replays WHERE id = $1", [.text(id)]) == 1
    }
}
