import Ledger
import Postgres
import Streams
import TestSupport
import Testing

/// Cached input tokens, reasoning tokens and per-request fees through the ledger writer, the
/// price book and reconciliation on a real PostgreSQL server; and rows written before the
/// migration that added them (`price_components`, 0016), which keep their costs.
@Suite struct PriceComponentsTests {
    private typealias Data = LedgerTestData

    /// How a usage report reaches its decision's row: in the decision's batch (one insert),
    /// after it (an update), or before it (through the holding table).
    enum Arrival: CaseIterable {
        case withDecision, afterDecision, beforeDecision
    }

    /// "mini": $0.15 input, $0.075 cached input, $0.60 output, $2.40 reasoning per million
    /// tokens, $0.0002 a request. Its reference "big": $2.50 input, $1.25 cached input, $10 output,
    /// no reasoning rate (reasoning tokens cost the output rate), no fee.
    /// The estimate, 1,000 input and 500 output tokens, none cached or reasoning:
    ///   mini 1,000 × 0.15 + 500 × 0.60 + 200 = 150 + 300 + 200 = 650 µ$;
    ///   big 1,000 × 2.5 + 500 × 10 = 7,500 µ$.
    /// The usage, 2,000 input (1,500 cached) and 300 output (200 reasoning) tokens:
    ///   mini 500 × 0.15 + 1,500 × 0.075 + 100 × 0.60 + 200 × 2.40 + 200
    ///        = 75 + 112.5 + 60 + 480 + 200 = 927.5 µ$ → 928 (half to even, once);
    ///   big 500 × 2.5 + 1,500 × 1.25 + 300 × 10 = 1,250 + 1,875 + 3,000 = 6,125 µ$.
    /// Savings 6,125 − 928 = 5,197 µ$.
    @Test(arguments: Arrival.allCases)
    func aReportsCachedAndReasoningTokensArePricedAtTheirRatesWithTheFee(_ arrival: Arrival) throws {
        try Data.withPricedLedger { connection, writer in
            try Data.addPrice("mini", input: "0.15", output: "0.60", from: "-infinity",
                              components: [.cachedInput: "0.075", .reasoning: "2.40", .perRequest: "0.0002"], on: connection)
            try Data.addPrice("big", input: "2.50", output: "10", from: "-infinity", components: [.cachedInput: "1.25"], on: connection)
            let decision = Data.decision("q1", model: "mini", reference: "big", input: 1_000, output: 500, offset: 0)
            let usage = Data.usage("q1", model: "mini", naming: decision.decisionID, input: 2_000, cachedInput: 1_500,
                                   output: 300, reasoning: 200, offset: 0)
            switch arrival {
            case .withDecision:
                #expect(try writer.write(Data.batch([decision], [usage])).usageWithDecision == 1)
            case .afterDecision:
                try writer.write(Data.batch([decision]))
                #expect(try Data.row(decision.decisionID, on: connection)?.estimatedCost == 650)
                #expect(try writer.write(Data.batch([], [usage])).usageRecorded == 1)
            case .beforeDecision:
                #expect(try writer.write(Data.batch([], [usage])).usageHeld == 1)
                #expect(try writer.write(Data.batch([decision])).usageFromHolding == 1)
            }
            let row = try #require(try Data.row(decision.decisionID, on: connection))
            #expect(row == Data.Row(estimatedCost: 650, estimatedReferenceCost: 7_500, actualCost: 928, actualReferenceCost: 6_125,
                                    actualInputTokens: 2_000, savings: 5_197))
            let counts = try connection.query("""
                SELECT actual_cached_input_tokens, actual_reasoning_tokens FROM ledger WHERE decision_id = $1
                """, [.text(decision.decisionID)])[0]
            #expect(try counts.decode(Int32?.self, column: "actual_cached_input_tokens") == 1_500)
            #expect(try counts.decode(Int32?.self, column: "actual_reasoning_tokens") == 200)
            // Reconciliation prices the row the same way, so it finds nothing to say.
            #expect(try LedgerReconciliation.costDifferences(on: connection).map(\.description) == [])
        }
    }

    /// Reconciliation recomputes with the components: a row whose actual cost left the fee out
    /// (mini's 928 µ$ less its 200 µ$ fee) is named.
    @Test func reconciliationNamesARowPricedWithoutItsComponents() throws {
        try Data.withPricedLedger { connection, writer in
            try Data.addPrice("mini", input: "0.15", output: "0.60", from: "-infinity",
                              components: [.cachedInput: "0.075", .reasoning: "2.40", .perRequest: "0.0002"], on: connection)
            try writer.write(Data.batch([Data.decision("q1", model: "mini", offset: 0)]))
            try connection.execute("""
                UPDATE ledger SET actual_input_tokens = 2000, actual_output_tokens = 300, actual_cached_input_tokens = 1500,
                                  actual_reasoning_tokens = 200, actual_cost = 0.000728, actual_reference_cost = 0.029000,
                                  usage_recorded_at = now()
                """)
            let differences = try LedgerReconciliation.costDifferences(on: connection).map(\.description)
            #expect(differences.count == 1)
            // strong, $10 / $30 with no components: 2,000 × 10 + 300 × 30 = 29,000 µ$.
            #expect(differences.first?.contains("2000 input (1500 cached) and 300 output (200 reasoning) tokens at its prices make "
                                                 + "0.000928 and 0.029000") == true, "\(differences)")
        }
    }

    /// A row written and priced before migration `price_components` — and a report waiting in
    /// the holding table then — mean after it exactly what they meant before: the same stored
    /// costs, which the price book and reconciliation still derive from the row's tokens; the
    /// report is priced with no cached or reasoning tokens.
    @Test func rowsWrittenBeforeTheComponentsKeepTheirCosts() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let components = try #require(RouteLedgerSchema.migrations.firstIndex { $0.name == "price_components" })
            let before = Array(RouteLedgerSchema.migrations[..<components])
            try Migrator(migrations: before, roles: database.roles).migrate(connection)
            let weak = try Data.addPrice("weak", input: "0.15", output: "0.60", from: "-infinity", on: connection)
            let strong = try Data.addPrice("strong", input: "10", output: "30", from: "-infinity", on: connection)
            // As the ledger stage wrote a decision with its usage then. By hand: the estimate,
            // 1,000 input and 500 output tokens, weak 150 + 300 = 450 µ$, strong 10,000 +
            // 15,000 = 25,000 µ$; the usage, 2,000 and 300, weak 300 + 180 = 480 µ$, strong
            // 20,000 + 9,000 = 29,000 µ$.
            try connection.execute("""
                INSERT INTO ledger (decision_id, query_id, tenant, decided_at, chosen_model, reference_model, router_version,
                                    threshold, strong_win_rate, price_id, reference_price_id, estimated_input_tokens,
                                    estimated_output_tokens, estimated_cost, estimated_reference_cost, actual_input_tokens,
                                    actual_output_tokens, actual_cost, actual_reference_cost, usage_recorded_at, usage_completed_at,
                                    usage_topic, usage_partition, usage_offset, kafka_topic, kafka_partition, kafka_offset)
                VALUES ('d-old', 'q-old', 'acme', '2026-11-24T10:00:00Z', 'weak', 'strong', 'v1', 0.5, 0.25, $1, $2, 1000, 500,
                        0.000450, 0.025000, 2000, 300, 0.000480, 0.029000, now(), '2026-11-24T10:00:05Z', 'llm.usage', 0, 0,
                        'llm.decisions', 0, 0)
                """, [.bigint(weak), .bigint(strong)])
            try connection.execute("""
                INSERT INTO usage_awaiting_decision (usage_topic, usage_partition, usage_offset, tenant, query_id, decision_id,
                                                     model, input_tokens, output_tokens, completed_at)
                VALUES ('llm.usage', 0, 1, 'acme', 'q-new', 'd-acme-q-new', 'weak', 2000, 300, '2026-11-24T10:00:05Z')
                """)
            func stored() throws -> [String] {
                let row = try connection.query("""
                    SELECT estimated_cost::text AS e, estimated_reference_cost::text AS er, actual_cost::text AS a,
                           actual_reference_cost::text AS ar, savings::text AS s,
                           (SELECT cost::text || ' ' || savings::text FROM ledger_daily) AS rollup
                    FROM ledger WHERE decision_id = 'd-old'
                    """)[0]
                return try ["e", "er", "a", "ar", "s", "rollup"].map { try row.decode(String.self, column: $0) }
            }
            #expect(try stored() == ["0.000450", "0.025000", "0.000480", "0.029000", "0.028520", "0.000480 0.028520"])

            try Migrator(roles: database.roles).migrate(connection)
            #expect(try stored() == ["0.000450", "0.025000", "0.000480", "0.029000", "0.028520", "0.000480 0.028520"])
            #expect(try connection.query("SELECT actual_cached_input_tokens FROM ledger")[0].decode(Int32?.self, column: "actual_cached_input_tokens") == nil)
            let price = try #require(try PriceBook.load(from: connection).price(id: weak)).tokenPrice
            #expect(price == TokenPrice(inputPerMillion: Data.price("0.15"), outputPerMillion: Data.price("0.60")))
            #expect(price.cachedInputPerMillion == nil && price.reasoningPerMillion == nil && price.perRequest == .zero)
            #expect(try LedgerReconciliation.costDifferences(on: connection).map(\.description) == [])
            #expect(try LedgerReconciliation.rollupDifferences(on: connection).map(\.description) == [])

            // The waiting report, recorded when its decision comes: 2,000 and 300 tokens as above.
            let writer = try LedgerWriter(connection: connection, consumerGroup: "ledger")
            #expect(try writer.write(Data.batch([Data.decision("q-new", offset: 1)])).usageFromHolding == 1)
            #expect(try Data.row("d-acme-q-new", on: connection)?.actualCost == 480)
            #expect(try Data.row("d-acme-q-new", on: connection)?.actualReferenceCost == 29_000)
        }
    }
}
