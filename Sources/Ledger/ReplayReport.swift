import Postgres

/// A replay beside what actually happened, per tenant and request day, per tenant and model,
/// and query by query where the model differs. "Actual" is the query's billed ledger row (best
/// known costs); "strong" is a decision for its reference model. Every list is in a fixed order
/// and money is exact, so the same replay always gives the same report.
public struct ReplayReport: Sendable, Equatable {
    /// The figures of one side (actual or replayed) of a group.
    public struct Side: Sendable, Equatable {
        public var requests: Int64
        public var strong: Int64
        public var cost: MicroUSD
        public var savings: MicroUSD
    }

    public struct Day: Sendable, Equatable {
        public let tenant: String
        public let day: String
        public let actual: Side
        public let replayed: Side
        /// Queries whose replayed model is not the one they were billed for.
        public let changed: Int64
    }

    public struct Model: Sendable, Equatable {
        public let tenant: String
        public let model: String
        public let actualRequests: Int64
        public let replayedRequests: Int64
        public let actualCost: MicroUSD
        public let replayedCost: MicroUSD
    }

    public struct Change: Sendable, Equatable {
        public let tenant: String
        public let queryID: String
        public let day: String
        /// Nil when the ledger holds no billed decision of the query.
        public let actualModel: String?
        public let replayedModel: String
        public let actualCost: MicroUSD?
        public let replayedCost: MicroUSD
    }

    /// What the traffic's votes say of each side, per tenant. A vote on a replayed query that
    /// names a side's model scores it 1 for a win, ½ for a tie, 0 for a loss or a tie where both
    /// were bad (a query's votes on one model averaged); head to head, the queries decided
    /// differently that have a vote between the two models, counted for the side the votes
    /// favour. Votes are the learn stage's battles that name a query and are not retracted.
    public struct Quality: Sendable, Equatable {
        public let tenant: String
        /// Queries with a vote naming the billed model, and its mean score (4 decimals, as
        /// text so a report is the same bytes every time); nil without votes.
        public let actualVoted: Int64
        public let actualScore: String?
        public let replayedVoted: Int64
        public let replayedScore: String?
        public let headToHead: Int64
        public let replayedWon: Int64
        public let actualWon: Int64
    }

    public let id: String
    public let kind: String
    public let parametersJSON: String
    public let days: [Day]
    public let models: [Model]
    public let changes: [Change]
    public let quality: [Quality]

    public static func load(id: String, on connection: PostgresConnection) throws -> ReplayReport {
        guard let replay = try connection.query("SELECT kind, parameters::text AS parameters FROM replays WHERE id = $1", [.text(id)]).first else {
            throw LedgerError("there is no replay '\(id)' (replay --list lists them)")
        }
        let days = try connection.query(sides + """
            SELECT tenant, to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key,
                   count(actual_model) AS actual_requests, count(*) FILTER (WHERE actual_model = actual_reference) AS actual_strong,
                   coalesce(sum(actual_cost), 0) AS actual_cost, coalesce(sum(actual_reference_cost - actual_cost), 0) AS actual_savings,
                   count(*) AS replayed_requests, count(*) FILTER (WHERE chosen_model = reference_model) AS replayed_strong,
                   sum(cost) AS replayed_cost, sum(reference_cost - cost) AS replayed_savings,
                   count(*) FILTER (WHERE actual_model IS DISTINCT FROM chosen_model) AS changed
            FROM paired GROUP BY 1, 2 ORDER BY 1, 2
            """, [.text(id)]).map { row in
            Day(tenant: try row.decode(column: "tenant"), day: try row.decode(column: "key"), actual: try side(row, "actual"),
                replayed: try side(row, "replayed"), changed: try row.decode(column: "changed"))
        }
        // A model either side chose, with each side's requests and cost on it.
        let models = try connection.query(sides + """
            , chosen AS (
                SELECT tenant, actual_model AS model, 1 AS actual, 0 AS replayed, actual_cost, 0::numeric AS replayed_cost
                FROM paired WHERE actual_model IS NOT NULL
                UNION ALL
                SELECT tenant, chosen_model, 0, 1, 0::numeric, cost FROM paired
            )
            SELECT tenant, model, sum(actual)::bigint AS actual_requests, sum(replayed)::bigint AS replayed_requests,
                   sum(actual_cost) AS actual_cost, sum(replayed_cost) AS replayed_cost
            FROM chosen GROUP BY 1, 2 ORDER BY 1, 2
            """, [.text(id)]).map { row in
            Model(tenant: try row.decode(column: "tenant"), model: try row.decode(column: "model"),
                  actualRequests: try row.decode(column: "actual_requests"), replayedRequests: try row.decode(column: "replayed_requests"),
                  actualCost: try money(row, "actual_cost"), replayedCost: try money(row, "replayed_cost"))
        }
        let changes = try connection.query(sides + """
            SELECT tenant, query_id, to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key, actual_model, chosen_model,
                   actual_cost, cost
            FROM paired WHERE actual_model IS DISTINCT FROM chosen_model ORDER BY tenant, query_id
            """, [.text(id)]).map { row in
            Change(tenant: try row.decode(column: "tenant"), queryID: try row.decode(column: "query_id"), day: try row.decode(column: "key"),
                   actualModel: try row.decode(column: "actual_model"), replayedModel: try row.decode(column: "chosen_model"),
                   actualCost: try row.decode(PostgresNumeric?.self, column: "actual_cost").map { try MicroUSD($0) },
                   replayedCost: try money(row, "cost"))
        }
        // Votes carry no tenant: a vote counts for every replayed query of its query id.
        let quality = try connection.query(sides + """
            , votes AS (
                SELECT query_id, model_a, model_b, winner FROM battles
                WHERE vote_id IS NOT NULL AND query_id IS NOT NULL AND retraction IS NULL
            ), scored AS (
                SELECT p.tenant, p.query_id, s.side,
                       avg(CASE WHEN v.winner = 'tie' THEN 0.5 WHEN v.winner = 'tie (bothbad)' THEN 0
                                WHEN (v.winner = 'model_a') = (v.model_a = s.model) THEN 1 ELSE 0 END) AS score
                FROM paired AS p
                CROSS JOIN LATERAL (VALUES ('actual', p.actual_model), ('replayed', p.chosen_model)) AS s (side, model)
                JOIN votes AS v ON v.query_id = p.query_id AND s.model IN (v.model_a, v.model_b)
                GROUP BY 1, 2, 3
            ), duels AS (
                SELECT p.tenant, p.query_id,
                       avg(CASE WHEN v.winner IN ('tie', 'tie (bothbad)') THEN 0.5
                                WHEN (v.winner = 'model_a') = (v.model_a = p.chosen_model) THEN 1 ELSE 0 END) AS replayed_share
                FROM paired AS p
                JOIN votes AS v ON v.query_id = p.query_id
                 AND ((v.model_a, v.model_b) = (p.actual_model, p.chosen_model) OR (v.model_a, v.model_b) = (p.chosen_model, p.actual_model))
                GROUP BY 1, 2
            )
            SELECT t.tenant,
                   (SELECT count(*) FROM scored AS s WHERE s.tenant = t.tenant AND s.side = 'actual') AS actual_voted,
                   (SELECT round(avg(score), 4)::text FROM scored AS s WHERE s.tenant = t.tenant AND s.side = 'actual') AS actual_score,
                   (SELECT count(*) FROM scored AS s WHERE s.tenant = t.tenant AND s.side = 'replayed') AS replayed_voted,
                   (SELECT round(avg(score), 4)::text FROM scored AS s WHERE s.tenant = t.tenant AND s.side = 'replayed') AS replayed_score,
                   (SELECT count(*) FROM duels AS d WHERE d.tenant = t.tenant) AS head_to_head,
                   (SELECT count(*) FROM duels AS d WHERE d.tenant = t.tenant AND replayed_share > 0.5) AS replayed_won,
                   (SELECT count(*) FROM duels AS d WHERE d.tenant = t.tenant AND replayed_share < 0.5) AS actual_won
            FROM (SELECT DISTINCT tenant FROM paired) AS t ORDER BY 1
            """, [.text(id)]).map { row in
            Quality(tenant: try row.decode(column: "tenant"),
                    actualVoted: try row.decode(column: "actual_voted"), actualScore: try row.decode(column: "actual_score"),
                    replayedVoted: try row.decode(column: "replayed_voted"), replayedScore: try row.decode(column: "replayed_score"),
                    headToHead: try row.decode(column: "head_to_head"), replayedWon: try row.decode(column: "replayed_won"),
                    actualWon: try row.decode(column: "actual_won"))
        }
        return ReplayReport(id: id, kind: try replay.decode(column: "kind"), parametersJSON: try replay.decode(column: "parameters"),
                            days: days, models: models, changes: changes, quality: quality)
    }

    /// Each replayed query ($1) with its billed ledger row, if any.
    private static let sides = """
        WITH paired AS (
            SELECT r.*, l.chosen_model AS actual_model, l.reference_model AS actual_reference,
                   coalesce(l.actual_cost, l.estimated_cost) AS actual_cost,
                   coalesce(l.actual_reference_cost, l.estimated_reference_cost) AS actual_reference_cost
            FROM replay_decisions AS r
            LEFT JOIN ledger AS l ON l.tenant = r.tenant AND l.query_id = r.query_id AND l.superseded_at IS NULL
            WHERE r.replay_id = $1
        )

        """

    private static func side(_ row: PostgresRow, _ name: String) throws -> Side {
        Side(requests: try row.decode(column: "\(name)_requests"), strong: try row.decode(column: "\(name)_strong"),
             cost: try money(row, "\(name)_cost"), savings: try money(row, "\(name)_savings"))
    }

    private static func money(_ row: PostgresRow, _ column: String) throws -> MicroUSD {
        try MicroUSD(try row.decode(PostgresNumeric.self, column: column))
    }
}
