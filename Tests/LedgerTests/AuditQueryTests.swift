import Ledger
import Postgres
import Streams
import TestSupport
import Testing

/// A small ledger whose totals are worked out by hand. Prices: weak $1/$2, strong $10/$30 per
/// million input/output tokens; every decision estimates 1,000 input and 500 output tokens, so
/// weak costs 2,000 µ$ and strong 25,000 µ$. One acme decision has usage of 800 and 300 tokens:
/// 1,400 µ$, against 17,000 µ$ on strong.
///
///   acme    weak    2026-11-29 (Sunday, ISO week 48)  ×2, one with usage
///   acme    strong  2026-11-30 (Monday, ISO week 49)
///   globex  weak    2026-12-01 (Tuesday, week 49)
enum SampleLedger {
    static func write(on connection: PostgresConnection) throws {
        try LedgerTestData.addPrice("weak", input: "1", output: "2", from: "-infinity", on: connection)
        try LedgerTestData.addPrice("strong", input: "10", output: "30", from: "-infinity", on: connection)
        let writer = try LedgerWriter(connection: connection, consumerGroup: "ledger")
        try writer.write(LedgerTestData.batch([
            LedgerTestData.decision("q1", at: "2026-11-29T12:00:00Z", offset: 0),
            LedgerTestData.decision("q2", at: "2026-11-29T13:00:00Z", offset: 1),
            LedgerTestData.decision("q3", model: "strong", at: "2026-11-30T12:00:00Z", offset: 2),
            LedgerTestData.decision("q4", tenant: "globex", at: "2026-12-01T12:00:00Z", offset: 3),
        ], [LedgerTestData.usage("q1", input: 800, output: 300, offset: 0)]))
    }

    static func totals(requests: Int64, withUsage: Int64, input: Int64, output: Int64, cost: Int64, reference: Int64) -> AuditTotals {
        var totals = AuditTotals()
        totals.requests = requests
        totals.requestsWithUsage = withUsage
        totals.inputTokens = input
        totals.outputTokens = output
        totals.cost = MicroUSD(microunits: cost)
        totals.referenceCost = MicroUSD(microunits: reference)
        totals.savings = MicroUSD(microunits: reference - cost)
        return totals
    }

    static let acme = totals(requests: 3, withUsage: 1, input: 2_800, output: 1_300, cost: 28_400, reference: 67_000)
    static let globex = totals(requests: 1, withUsage: 0, input: 1_000, output: 500, cost: 2_000, reference: 25_000)
}

@Suite struct AuditQueryTests {
    private func withSample(_ body: (PostgresConnection) throws -> Void) throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try SampleLedger.write(on: connection)
            try body(connection)
        }
    }

    private func day(_ text: String) -> PostgresTimestamp { LedgerTestData.time(text + "T00:00:00Z") }

    @Test func totalsPerTenantWithSavingsAndTheirShare() throws {
        try withSample { connection in
            let report = try AuditQuery(groupBy: [.tenant]).run(on: connection)
            #expect(report.source == .rollups)
            #expect(report.rows.map(\.keys) == [["acme"], ["globex"]])
            #expect(report.rows.map(\.totals) == [SampleLedger.acme, SampleLedger.globex])
            // 38,600 / 67,000 = 57.6119…%; 23,000 / 25,000 = 92%; 61,600 / 92,000 = 66.9565…%.
            #expect(report.rows.map(\.totals.savingsPercentText) == ["57.61", "92.00"])
            #expect(report.total == SampleLedger.acme + SampleLedger.globex)
            #expect(report.total.savingsPercentText == "66.96")
        }
    }

    @Test func groupingsCombineInTheOrderGivenWithISOWeeksAndMonths() throws {
        try withSample { connection in
            let byWeek = try AuditQuery(groupBy: [.week, .tenant]).run(on: connection)
            #expect(byWeek.rows.map(\.keys) == [["2026-W48", "acme"], ["2026-W49", "acme"], ["2026-W49", "globex"]])
            #expect(byWeek.rows[0].totals == SampleLedger.totals(requests: 2, withUsage: 1, input: 1_800, output: 800,
                                                                 cost: 3_400, reference: 42_000))
            let byMonth = try AuditQuery(groupBy: [.month, .model]).run(on: connection)
            #expect(byMonth.rows.map(\.keys) == [["2026-11", "strong"], ["2026-11", "weak"], ["2026-12", "weak"]])
            let byDay = try AuditQuery(groupBy: [.model, .day]).run(on: connection)
            #expect(byDay.rows.map(\.keys) == [["strong", "2026-11-30"], ["weak", "2026-11-29"], ["weak", "2026-12-01"]])
        }
    }

    @Test func thePeriodIncludesItsStartAndExcludesItsEnd() throws {
        try withSample { connection in
            let november30 = try AuditQuery(from: day("2026-11-30"), to: day("2026-12-01")).run(on: connection)
            #expect(november30.rows.map(\.totals) == [SampleLedger.totals(requests: 1, withUsage: 0, input: 1_000, output: 500,
                                                                          cost: 25_000, reference: 25_000)])
            let nothing = try AuditQuery(from: day("2027-01-01"), groupBy: [.tenant]).run(on: connection)
            #expect(nothing.rows.isEmpty && nothing.total == AuditTotals())
            #expect(nothing.total.savingsPercentText == nil)
        }
    }

    @Test func aPeriodInsideDaysIsSummedFromTheLedgerAndAgreesWithTheRollups() throws {
        try withSample { connection in
            let wholeDays = AuditQuery(from: day("2026-11-29"), to: day("2026-12-02"), groupBy: [.day, .tenant, .model])
            var withinDays = wholeDays
            withinDays.from = LedgerTestData.time("2026-11-29T00:00:01Z")
            withinDays.to = LedgerTestData.time("2026-12-01T23:59:59Z")
            let fromRollups = try wholeDays.run(on: connection)
            let fromLedger = try withinDays.run(on: connection)
            #expect(fromRollups.source == .rollups && fromLedger.source == .ledger)
            #expect(fromRollups.rows.count == 3)
            #expect(fromLedger.rows == fromRollups.rows)

            var afternoon = withinDays
            afternoon.from = LedgerTestData.time("2026-11-29T12:30:00Z")
            #expect(try afternoon.run(on: connection).total.requests == 3)
        }
    }

    @Test func oneTenantsTotals() throws {
        try withSample { connection in
            let report = try AuditQuery(groupBy: [.tenant], tenant: "globex").run(on: connection)
            #expect(report.rows.map(\.keys) == [["globex"]])
            #expect(report.total == SampleLedger.globex)
        }
    }
}

@Suite struct LedgerReconciliationTests {
    @Test func aConsistentLedgerHasNoDifferences() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try SampleLedger.write(on: connection)
            #expect(try LedgerReconciliation.rollupDifferences(on: connection).isEmpty)
            #expect(try LedgerReconciliation.costDifferences(on: connection, pageSize: 2).isEmpty)
            let known = [(decisionID: "d-acme-q1", position: RecordPosition(topic: "llm.decisions", partition: 0, offset: 0))]
            #expect(try LedgerReconciliation.missingDecisions(known, on: connection).isEmpty)
        }
    }

    @Test func aRollupThatDisagreesWithTheLedgerIsNamed() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try SampleLedger.write(on: connection)
            try connection.execute("UPDATE ledger_daily SET cost = cost + 0.000001 WHERE tenant = 'globex'")
            let differences = try LedgerReconciliation.rollupDifferences(on: connection).map(\.description)
            #expect(differences.count == 1)
            #expect(differences.first?.contains("2026-12-01 tenant 'globex' model 'weak'") == true)
            #expect(differences.first?.contains("0.002000") == true && differences.first?.contains("0.002001") == true)
        }
    }

    @Test func costsThatAreNotTheirTokensAtTheirPricesAreNamed() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try SampleLedger.write(on: connection)
            // Only by going around the schema's rules can a cost change.
            try connection.executeScript("""
                ALTER TABLE ledger DISABLE TRIGGER ledger_rows_are_final;
                UPDATE ledger SET actual_cost = 0.001401 WHERE decision_id = 'd-acme-q1';
                ALTER TABLE ledger ENABLE TRIGGER ledger_rows_are_final;
                """)
            try LedgerTestData.addPrice("weak", input: "0.9", output: "2", from: "2026-12-01T00:00:00Z", on: connection)
            let differences = try LedgerReconciliation.costDifferences(on: connection).map(\.description)
            #expect(differences.count == 2)
            #expect(differences.contains { $0.hasPrefix("decision d-acme-q1: actual costs are 0.001401") && $0.contains("make 0.001400") })
            #expect(differences.contains { $0.hasPrefix("decision d-globex-q4: charged price row 1 of 'weak', but row") && $0.contains("in effect at its decision time") })
        }
    }

    @Test func decisionsMissingFromTheLedgerAreListedWithWhereTheyWereRead() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try SampleLedger.write(on: connection)
            let lost = RecordPosition(topic: "llm.decisions", partition: 2, offset: 7)
            let read = [(decisionID: "d-acme-q2", position: RecordPosition(topic: "llm.decisions", partition: 0, offset: 1)),
                        (decisionID: "d-never-recorded", position: lost)]
            let missing = try LedgerReconciliation.missingDecisions(read, on: connection)
            #expect(missing.map(\.decisionID) == ["d-never-recorded"])
            #expect(missing.map(\.position) == [lost])
        }
    }
}
