import Postgres
import Streams

/// Checks that the ledger agrees with itself and with its sources, and says what differs:
/// - the daily rollups equal the billed ledger rows summed, by request day;
/// - no query has more than one billed decision;
/// - every row's costs are its tokens at its price rows, by the rounding rule, and those rows
///   are the ones in effect at its decision time;
/// - every decision read from Kafka up to the stored offsets is in the ledger.
public enum LedgerReconciliation {
    /// One difference, in words.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Days, tenants and models whose rollup differs from the sum of their ledger rows.
    public static func rollupDifferences(on connection: PostgresConnection) throws -> [Difference] {
        try connection.query("""
            WITH summed AS (
                SELECT (coalesce(requested_at, decided_at) AT TIME ZONE 'UTC')::date AS day, tenant, chosen_model AS model,
                       count(*) AS decisions, count(actual_cost) AS decisions_with_usage,
                       sum(coalesce(actual_input_tokens, estimated_input_tokens)) AS input_tokens,
                       sum(coalesce(actual_output_tokens, estimated_output_tokens)) AS output_tokens,
                       sum(coalesce(actual_cost, estimated_cost)) AS cost,
                       sum(coalesce(actual_reference_cost, estimated_reference_cost)) AS reference_cost,
                       sum(savings) AS savings
                FROM ledger WHERE superseded_at IS NULL GROUP BY 1, 2, 3
            )
            SELECT to_char(coalesce(s.day, d.day), 'YYYY-MM-DD') AS day, coalesce(s.tenant, d.tenant) AS tenant,
                   coalesce(s.model, d.model) AS model,
                   CASE WHEN s.day IS NULL THEN 'nothing' ELSE ROW(s.decisions, s.decisions_with_usage, s.input_tokens,
                       s.output_tokens, s.cost, s.reference_cost, s.savings)::text END AS summed,
                   CASE WHEN d.day IS NULL THEN 'nothing' ELSE ROW(d.decisions, d.decisions_with_usage, d.input_tokens,
                       d.output_tokens, d.cost, d.reference_cost, d.savings)::text END AS rollup
            FROM summed AS s
            -- A rollup whose rows were all superseded holds zeros: nothing, as the ledger sums it.
            FULL JOIN (SELECT * FROM ledger_daily
                       WHERE (decisions, decisions_with_usage, input_tokens, output_tokens, cost, reference_cost, savings)
                             <> (0, 0, 0, 0, 0, 0, 0)) AS d
              ON d.day = s.day AND d.tenant = s.tenant AND d.model = s.model
            WHERE (s.decisions, s.decisions_with_usage, s.input_tokens, s.output_tokens, s.cost, s.reference_cost, s.savings)
                  IS DISTINCT FROM
                  (d.decisions, d.decisions_with_usage, d.input_tokens, d.output_tokens, d.cost, d.reference_cost, d.savings)
            ORDER BY 1, 2, 3
            """).map { row in
            let place = "\(try row.decode(String.self, column: "day")) tenant \(quoted(try row.decode(column: "tenant"))) "
                + "model \(quoted(try row.decode(column: "model")))"
            return Difference(description: "\(place): the ledger sums to \(try row.decode(String.self, column: "summed")), "
                              + "the rollup holds \(try row.decode(String.self, column: "rollup")) "
                              + "(decisions, with usage, input tokens, output tokens, cost, reference cost, savings)")
        }
    }

    /// Queries billed more than once: more than one decision for one tenant and query id, none
    /// of them superseded (rows from before the ledger refused that, or written past it).
    public static func duplicateBills(on connection: PostgresConnection) throws -> [Difference] {
        try connection.query("""
            SELECT tenant, query_id, count(*) AS decisions, string_agg(decision_id || ' (' || router_version || ')', ', ' ORDER BY id) AS listed
            FROM ledger WHERE superseded_at IS NULL
            GROUP BY tenant, query_id HAVING count(*) > 1
            ORDER BY tenant, query_id
            """).map { row in
            Difference(description: "query \(quoted(try row.decode(column: "query_id"))) of tenant \(quoted(try row.decode(column: "tenant"))) "
                       + "is billed \(try row.decode(Int64.self, column: "decisions")) times: \(try row.decode(String.self, column: "listed")) "
                       + "(supersede all but one: routeledger ledger supersede)")
        }
    }

    /// Rows whose costs are not their tokens at their price rows, or whose price rows are not
    /// the ones in effect at their decision time; read in pages of `pageSize` rows.
    public static func costDifferences(on connection: PostgresConnection, pageSize: Int = 10_000) throws -> [Difference] {
        let prices = try PriceBook.load(from: connection)
        var differences: [Difference] = []
        var lastID: Int64 = 0
        while true {
            let page = try connection.query("""
                SELECT id, decision_id, decided_at, chosen_model, reference_model, price_id, reference_price_id,
                       estimated_input_tokens, estimated_output_tokens, estimated_cost, estimated_reference_cost,
                       actual_input_tokens, actual_output_tokens, actual_cost, actual_reference_cost, usage_model,
                       usage_price_id, 0 AS estimated_cached_input_tokens, 0 AS estimated_reasoning_tokens,
                       coalesce(actual_cached_input_tokens, 0) AS actual_cached_input_tokens,
                       coalesce(actual_reasoning_tokens, 0) AS actual_reasoning_tokens
                FROM ledger WHERE id > $1 ORDER BY id LIMIT $2
                """, [.bigint(lastID), .bigint(Int64(pageSize))]).map(CostedRow.init(row:))
            for row in page {
                differences += costDifferences(of: row, prices: prices)
            }
            guard let last = page.last else { return differences }
            lastID = last.id
        }
    }

    /// A ledger row as `costDifferences` reads it.
    private struct CostedRow {
        /// The tokens and costs of one kind, estimated or actual; costs in micro-units, nil
        /// when NULL or finer than a micro-unit. (Estimates count no cached or reasoning tokens,
        /// and neither do actual tokens recorded before migration 0016: the query says 0.)
        struct Costs {
            let tokens: TokenCounts?
            let cost: Int64?
            let referenceCost: Int64?

            init(row: PostgresRow, kind: String) throws {
                func micros(_ column: String) throws -> Int64? {
                    try row.decode(PostgresNumeric?.self, column: column).flatMap { $0.units(scale: 6) }
                }
                func count(_ column: String) throws -> Int64? {
                    try row.decode(Int32?.self, column: column).map(Int64.init)
                }
                if let input = try count("\(kind)_input_tokens"), let output = try count("\(kind)_output_tokens") {
                    tokens = try TokenCounts(input: input, cachedInput: Int64(try row.decode(Int32.self, column: "\(kind)_cached_input_tokens")),
                                             output: output, reasoning: Int64(try row.decode(Int32.self, column: "\(kind)_reasoning_tokens")))
                } else {
                    tokens = nil
                }
                cost = try micros("\(kind)_cost")
                referenceCost = try micros("\(kind)_reference_cost")
            }
        }

        let id: Int64
        let decisionID: String
        let decidedAt: PostgresTimestamp
        let chosenModel: String
        let referenceModel: String
        let priceID: Int64
        let referencePriceID: Int64
        let estimated: Costs
        let actual: Costs
        /// The model a usage report named instead of the chosen one, and its price row.
        let usage: (model: String, priceID: Int64)?

        init(row: PostgresRow) throws {
            id = try row.decode(column: "id")
            decisionID = try row.decode(column: "decision_id")
            decidedAt = try row.decode(column: "decided_at")
            chosenModel = try row.decode(column: "chosen_model")
            referenceModel = try row.decode(column: "reference_model")
            priceID = try row.decode(column: "price_id")
            referencePriceID = try row.decode(column: "reference_price_id")
            estimated = try Costs(row: row, kind: "estimated")
            actual = try Costs(row: row, kind: "actual")
            usage = try row.decode(String?.self, column: "usage_model").map { ($0, try row.decode(column: "usage_price_id")) }
        }
    }

    private static func costDifferences(of row: CostedRow, prices: PriceBook) -> [Difference] {
        var found: [Difference] = []
        func note(_ text: String) { found.append(Difference(description: "decision \(row.decisionID): \(text)")) }
        // A usage report that named another model than the chosen one is priced at that model.
        var charges = [(row.chosenModel, row.priceID), (row.referenceModel, row.referencePriceID)]
        if let usage = row.usage { charges.append(usage) }
        for (model, charged) in charges {
            if let inEffect = prices.price(of: model, at: row.decidedAt), inEffect.id != charged {
                note("charged price row \(charged) of \(quoted(model)), but row \(inEffect.id) is in effect at its decision time (added later?)")
            }
        }
        guard let price = prices.price(id: row.priceID), let reference = prices.price(id: row.referencePriceID),
              let actualPrice = prices.price(id: row.usage?.priceID ?? row.priceID) else {
            note("names a price row that is not in the prices table")
            return found
        }
        for (kind, costs, price) in [("estimated", row.estimated, price), ("actual", row.actual, actualPrice)] {
            guard let tokens = costs.tokens else { continue }
            let expected = (price.tokenPrice.cost(tokens).microunits, reference.tokenPrice.cost(tokens).microunits)
            if costs.cost != expected.0 || costs.referenceCost != expected.1 {
                note("\(kind) costs are \(amount(costs.cost)) and \(amount(costs.referenceCost)) (reference), but \(tokens) "
                     + "at its prices make \(amount(expected.0)) and \(amount(expected.1))")
            }
        }
        return found
    }

    /// The decisions read from Kafka that are not in the ledger, in the order given.
    public static func missingDecisions(_ decisions: [(decisionID: String, position: RecordPosition)],
                                        on connection: PostgresConnection) throws -> [(decisionID: String, position: RecordPosition)] {
        guard !decisions.isEmpty else { return [] }
        return try connection.transaction {
            try connection.executeScript("""
                CREATE TEMPORARY TABLE reconciled_decisions (n integer, decision_id text) ON COMMIT DROP
                """)
            try connection.copy(into: "reconciled_decisions", columns: ["n", "decision_id"],
                                rows: decisions.enumerated().map { [.integer(Int32($0)), .text($1.decisionID)] })
            return try connection.query("""
                SELECT r.n FROM reconciled_decisions AS r
                WHERE NOT EXISTS (SELECT FROM ledger AS l WHERE l.decision_id = r.decision_id)
                ORDER BY r.n
                """).map { decisions[Int(try $0.decode(Int32.self, column: "n"))] }
        }
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    private static func amount(_ micros: Int64?) -> String {
        micros.map { MicroUSD(microunits: $0).description } ?? "none"
    }
}
