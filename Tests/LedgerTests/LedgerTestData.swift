import Foundation
import Ledger
import Postgres
import Streams
import TestSupport

/// Decisions, usage reports and prices for the ledger tests, with readable defaults.
enum LedgerTestData {
    static func time(_ text: String) -> PostgresTimestamp {
        PostgresTimestamp(try! Date(text, strategy: Date.ISO8601FormatStyle()))
    }

    static func price(_ text: String) -> MicroUSD {
        MicroUSD(dollars: text)!
    }

    /// Adds a price row as the schema's owner would; `components` (column name to dollars) sets
    /// the columns of migration 0016 (price components), so a row without them can be added before it.
    @discardableResult
    static func addPrice(_ model: String, input: String, output: String, from effective: String,
                         components: [PriceComponent: String] = [:], on connection: PostgresConnection) throws -> Int64 {
        let others = components.sorted { $0.key.rawValue < $1.key.rawValue }
        return try connection.query("""
            INSERT INTO prices (model, input_usd_per_million, output_usd_per_million, effective_from\(others.map { ", \($0.key.rawValue)" }.joined()))
            VALUES ($1, $2, $3, $4\(others.indices.map { ", $\($0 + 5)" }.joined())) RETURNING id
            """, [.text(model), .numeric(PostgresNumeric(input)!), .numeric(PostgresNumeric(output)!),
                  effective == "-infinity" ? .timestamptz(.negativeInfinity) : .timestamptz(time(effective))]
                + others.map { .numeric(PostgresNumeric($0.value)!) })[0]
            .decode(Int64.self, column: "id")
    }

    /// A fresh migrated database with weak ($1 and $2 per million tokens) and strong ($10 and
    /// $30) priced for all time, and a writer of group "ledger".
    static func withPricedLedger(_ body: (PostgresConnection, LedgerWriter) throws -> Void) throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try addPrice("weak", input: "1", output: "2", from: "-infinity", on: connection)
            try addPrice("strong", input: "10", output: "30", from: "-infinity", on: connection)
            try body(connection, try LedgerWriter(connection: connection, consumerGroup: "ledger"))
        }
    }

    static func decision(_ query: String, tenant: String = "acme", model: String = "weak", reference: String = "strong",
                         at decidedAt: String = "2026-11-24T10:00:00Z", input: Int64 = 1_000, output: Int64 = 500,
                         offset: Int64, partition: Int32 = 0, topic: String = "llm.decisions", routerVersion: String = "sw-v1",
                         requestedAt: String? = nil, tags: [String: String] = [:]) -> LedgerDecision {
        // The first router version's ids are d-tenant-query; another's name it too.
        let id = "d-\(tenant)-\(query)" + (routerVersion == "sw-v1" ? "" : "-\(routerVersion)")
        return try! LedgerDecision(decisionID: id, queryID: query, tenant: tenant, decidedAt: time(decidedAt),
                                   chosenModel: model, referenceModel: reference, routerVersion: routerVersion, threshold: 0.5,
                                   strongWinRate: 0.25, estimatedInputTokens: input, estimatedOutputTokens: output,
                                   position: RecordPosition(topic: topic, partition: partition, offset: offset),
                                   requestedAt: requestedAt.map(time), tags: tags)
    }

    static func usage(_ query: String, tenant: String = "acme", model: String = "weak", naming decisionID: String? = nil,
                      input: Int64, cachedInput: Int64 = 0, output: Int64, reasoning: Int64 = 0, offset: Int64, partition: Int32 = 0,
                      topic: String = "llm.usage") -> UsageReport {
        try! UsageReport(tenant: tenant, queryID: query, decisionID: decisionID, model: model,
                         tokens: try! TokenCounts(input: input, cachedInput: cachedInput, output: output, reasoning: reasoning),
                         completedAt: time("2026-11-24T10:00:05Z"),
                         position: RecordPosition(topic: topic, partition: partition, offset: offset))
    }

    /// The offsets after the given records, per partition.
    static func nextOffsets(_ decisions: [LedgerDecision], _ usage: [UsageReport]) -> [RecordPosition] {
        var next: [String: RecordPosition] = [:]
        for position in decisions.map(\.position) + usage.map(\.position) {
            let key = "\(position.topic)/\(position.partition)"
            if (next[key]?.offset ?? 0) <= position.offset {
                next[key] = RecordPosition(topic: position.topic, partition: position.partition, offset: position.offset + 1)
            }
        }
        return next.values.sorted()
    }

    static func batch(_ decisions: [LedgerDecision] = [], _ usage: [UsageReport] = []) -> LedgerBatch {
        LedgerBatch(decisions: decisions, usage: usage, nextOffsets: nextOffsets(decisions, usage))
    }

    /// One ledger row's costs and tokens, in micro-dollars.
    struct Row: Equatable {
        var estimatedCost: Int64
        var estimatedReferenceCost: Int64
        var actualCost: Int64?
        var actualReferenceCost: Int64?
        var actualInputTokens: Int32?
        var savings: Int64
    }

    static func row(_ decisionID: String, on connection: PostgresConnection) throws -> Row? {
        guard let row = try connection.query("""
            SELECT estimated_cost, estimated_reference_cost, actual_cost, actual_reference_cost, actual_input_tokens, savings
            FROM ledger WHERE decision_id = $1
            """, [.text(decisionID)]).first else { return nil }
        func micros(_ column: String) throws -> Int64? {
            try row.decode(PostgresNumeric?.self, column: column).map { $0.units(scale: 6)! }
        }
        return Row(estimatedCost: try micros("estimated_cost")!, estimatedReferenceCost: try micros("estimated_reference_cost")!,
                   actualCost: try micros("actual_cost"), actualReferenceCost: try micros("actual_reference_cost"),
                   actualInputTokens: try row.decode(Int32?.self, column: "actual_input_tokens"), savings: try micros("savings")!)
    }
}
