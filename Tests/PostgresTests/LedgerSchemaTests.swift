import TestSupport
import Testing
@testable import Postgres

/// The ledger schema's own guarantees, whoever writes.
@Suite struct LedgerSchemaTests {
    @Test func dailyTotalsEqualTheLedgerAggregatedAfterInsertsAndUsage() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try LedgerFixture(pricesOn: connection)
            try fixture.insert((1...40).map {
                fixture.decision($0, tenant: $0 % 2 == 0 ? "acme" : "globex", day: $0 % 3 + 1,
                                 costMicros: Int64(100 + $0), referenceCostMicros: Int64(5_000 + 7 * $0))
            }, on: connection)
            try fixture.insert([fixture.decision(41, tenant: "acme", day: 2)], on: connection)
            let usage = try connection.prepare(LedgerFixture.recordUsage)
            for number in stride(from: 1, through: 41, by: 4) {
                try connection.execute(usage, [.text("decision-\(number)"), .integer(Int32(number)), .integer(300),
                                               .numeric(PostgresNumeric(units: Int64(number * 3), scale: 6)),
                                               .numeric(PostgresNumeric(units: Int64(number * 50), scale: 6))])
            }
            let totals = """
                SELECT day, tenant, model, decisions, decisions_with_usage, input_tokens, output_tokens, cost,
                       reference_cost, savings
                FROM ledger_daily ORDER BY day, tenant, model
                """
            let aggregated = """
                SELECT (decided_at AT TIME ZONE 'UTC')::date, tenant, chosen_model, count(*), count(actual_cost),
                       sum(coalesce(actual_input_tokens, estimated_input_tokens)),
                       sum(coalesce(actual_output_tokens, estimated_output_tokens)),
                       sum(coalesce(actual_cost, estimated_cost))::numeric(24, 6),
                       sum(coalesce(actual_reference_cost, estimated_reference_cost))::numeric(24, 6),
                       sum(savings)::numeric(24, 6)
                FROM ledger GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """
            let kept = try connection.query(totals).map(\.values)
            #expect(kept.count == 6)
            #expect(kept == (try connection.query(aggregated).map(\.values)))
        }
    }

    @Test func savingsFollowTheBestKnownCosts() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try LedgerFixture(pricesOn: connection)
            try fixture.insert([fixture.decision(1, tenant: "acme", costMicros: 180, referenceCostMicros: 7_000)], on: connection)
            let savings = "SELECT savings FROM ledger WHERE decision_id = 'decision-1'"
            #expect(try connection.query(savings)[0].decode(PostgresNumeric.self, at: 0).units(scale: 6) == 6_820)
            try connection.execute(LedgerFixture.recordUsage, ["decision-1", .integer(80), .integer(100),
                                                               .numeric(PostgresNumeric("0.000108")!),
                                                               .numeric(PostgresNumeric("0.003800")!)])
            #expect(try connection.query(savings)[0].decode(PostgresNumeric.self, at: 0).units(scale: 6) == 3_692)
            // Refused as an integrity violation (a recorded row is final; the usage columns go together).
            #expect { try connection.execute("UPDATE ledger SET actual_cost = NULL") } throws: { error in
                (error as? PostgresError)?.sqlState?.rawValue.hasPrefix("23") == true
            }
        }
    }

    @Test func aDecisionIsRecordedOnceAndOnlyAtItsOwnModelsPrice() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try LedgerFixture(pricesOn: connection)
            try fixture.insert([fixture.decision(1, tenant: "acme")], on: connection)
            #expect { try fixture.insert([fixture.decision(1, tenant: "acme")], on: connection) } throws: { error in
                (error as? PostgresError)?.sqlState == .uniqueViolation
            }
            var wrongPrice = fixture.decision(2, tenant: "acme")
            wrongPrice[LedgerFixture.decisionColumns.firstIndex(of: "price_id")!] = .bigint(fixture.strongPrice)
            #expect { try fixture.insert([wrongPrice], on: connection) } throws: { error in
                (error as? PostgresError)?.sqlState?.rawValue == "23503"
            }
        }
    }

    @Test func aPriceChangeIsANewRowAndNeverRewritesHistory() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try LedgerFixture(pricesOn: connection)
            try fixture.insert([fixture.decision(1, tenant: "acme")], on: connection)
            for statement in ["UPDATE prices SET input_usd_per_million = 0", "DELETE FROM prices", "TRUNCATE prices CASCADE"] {
                #expect(throws: PostgresError.self, "\(statement)") { try connection.execute(statement) }
            }
            try connection.execute("""
                INSERT INTO prices (model, input_usd_per_million, output_usd_per_million, effective_from)
                VALUES ('weak', 0.3, 0.3, '2024-06-01T00:00:00Z')
                """)
            let current = try connection.query("SELECT input_usd_per_million FROM current_prices WHERE model = 'weak'")
            #expect(try current[0].decode(PostgresNumeric.self, at: 0).text == "0.300000")
            let charged = try connection.query("SELECT input_usd_per_million FROM audit_decisions WHERE decision_id = 'decision-1'")
            #expect(try charged[0].decode(PostgresNumeric.self, at: 0).text == "0.600000")
        }
    }
}
