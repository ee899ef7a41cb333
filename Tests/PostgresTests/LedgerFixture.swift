@testable import Postgres

/// Ledger rows for tests of the schema: two priced models and decisions between them.
struct LedgerFixture {
    let weakPrice: Int64
    let strongPrice: Int64

    static let decisionColumns = [
        "decision_id", "query_id", "tenant", "decided_at", "chosen_model", "reference_model", "router_version",
        "threshold", "strong_win_rate", "price_id", "reference_price_id", "estimated_input_tokens",
        "estimated_output_tokens", "estimated_cost", "estimated_reference_cost", "kafka_topic",
        "kafka_partition", "kafka_offset",
    ]

    /// Prices "weak" at $0.60/$0.60 and "strong" at $10/$30 per million tokens.
    init(pricesOn connection: PostgresConnection) throws {
        let insert = try connection.prepare("""
            INSERT INTO prices (model, input_usd_per_million, output_usd_per_million, effective_from)
            VALUES ($1, $2, $3, '2024-01-01T00:00:00Z') RETURNING id
            """)
        func add(_ model: String, _ input: String, _ output: String) throws -> Int64 {
            try connection.query(insert, [.text(model), .numeric(PostgresNumeric(input)!), .numeric(PostgresNumeric(output)!)])[0]
                .decode(Int64.self, at: 0)
        }
        weakPrice = try add("weak", "0.6", "0.6")
        strongPrice = try add("strong", "10", "30")
    }

    /// A decision for "weak" measured against "strong", with costs in micro-dollars.
    func decision(_ number: Int, tenant: String, day: Int = 1, costMicros: Int64 = 180,
                  referenceCostMicros: Int64 = 7_000) -> [PostgresValue] {
        let midnightMarch1 = PostgresTimestamp(microsecondsSince2000: 762_566_400_000_000)
        let decidedAt = PostgresTimestamp(microsecondsSince2000: midnightMarch1.microsecondsSince2000
                                          + Int64(day - 1) * 86_400_000_000 + Int64(number) * 1_000_000)
        return [
            .text("decision-\(number)"), .text("query-\(number)"), .text(tenant), .timestamptz(decidedAt),
            "weak", "strong", "sw-1", .double(0.5), .double(0.25), .bigint(weakPrice), .bigint(strongPrice),
            .integer(100), .integer(200), .numeric(PostgresNumeric(units: costMicros, scale: 6)),
            .numeric(PostgresNumeric(units: referenceCostMicros, scale: 6)), "llm.decisions", .integer(0),
            .bigint(Int64(number)),
        ]
    }

    func insert(_ decisions: [[PostgresValue]], on connection: PostgresConnection) throws {
        try connection.copy(into: "ledger", columns: Self.decisionColumns, rows: decisions)
    }

    /// Records actual usage for one decision, as the ledger stage does.
    static let recordUsage = """
        UPDATE ledger SET actual_input_tokens = $2, actual_output_tokens = $3, actual_cost = $4,
                          actual_reference_cost = $5, usage_recorded_at = now()
        WHERE decision_id = $1 AND actual_cost IS NULL
        """
}
