import Ledger
import Postgres
import Streams
import TestSupport
import Testing

/// The ledger books a decision at its query's request time (its decision time when the record
/// does not say), and sums spend by the query's tags.
@Suite struct BookingTimeAndTagsTests {
    private typealias Data = LedgerTestData

    /// Three queries made on three days, all decided on the third; two tagged by team.
    private func withLedger(_ body: (PostgresConnection) throws -> Void) throws {
        try Data.withPricedLedger { connection, writer in
            try writer.write(Data.batch([
                Data.decision("q1", at: "2026-11-24T10:00:00Z", offset: 0, requestedAt: "2026-11-22T23:59:59Z", tags: ["team": "search"]),
                Data.decision("q2", model: "strong", at: "2026-11-24T10:00:00Z", offset: 1, requestedAt: "2026-11-23T08:00:00Z",
                              tags: ["team": "ads", "feature": "summary"]),
                Data.decision("q3", at: "2026-11-24T10:00:00Z", offset: 2),
            ]))
            try body(connection)
        }
    }

    private func requestsByKey(_ report: AuditReport) -> [[String]: Int64] {
        Dictionary(uniqueKeysWithValues: report.rows.map { ($0.keys, $0.totals.requests) })
    }

    @Test func queriesMadeOnThreeDaysBookOnThoseDays() throws {
        try withLedger { connection in
            let byDay = try AuditQuery(groupBy: [.day]).run(on: connection)
            #expect(byDay.source == .rollups)
            #expect(requestsByKey(byDay) == [["2026-11-22"]: 1, ["2026-11-23"]: 1, ["2026-11-24"]: 1])
            // The rows themselves, read for a period that starts inside a day, book the same.
            let fromTheRows = try AuditQuery(from: Data.time("2026-11-22T12:00:00Z"), groupBy: [.day]).run(on: connection)
            #expect(fromTheRows.source == .ledger)
            #expect(requestsByKey(fromTheRows) == [["2026-11-22"]: 1, ["2026-11-23"]: 1, ["2026-11-24"]: 1])
            // The period is by request time too: q1 was made before noon on the 22nd.
            #expect(try AuditQuery(from: Data.time("2026-11-23T00:00:00Z")).run(on: connection).total.requests == 2)

            let byDecision = try AuditQuery(groupBy: [.day], bookedAt: .decision).run(on: connection)
            #expect(byDecision.source == .ledger)
            #expect(requestsByKey(byDecision) == [["2026-11-24"]: 3])
            #expect(try LedgerReconciliation.rollupDifferences(on: connection).isEmpty)
        }
    }

    @Test func spendByTagSumsToTheTotal() throws {
        try withLedger { connection in
            let byTeam = try AuditQuery(groupBy: [.tag("team")]).run(on: connection)
            #expect(byTeam.source == .ledger)
            #expect(requestsByKey(byTeam) == [[""]: 1, ["ads"]: 1, ["search"]: 1])
            // 1,000 × 10 + 500 × 30 µ$ for the strong decision; 1,000 + 500 × 2 for each weak one.
            #expect(byTeam.rows.first { $0.keys == ["ads"] }?.totals.cost == MicroUSD(microunits: 25_000))
            #expect(byTeam.total == (try AuditQuery().run(on: connection).total))
            #expect(byTeam.total.cost == MicroUSD(microunits: 29_000))

            let byTeamAndFeature = try AuditQuery(groupBy: [.tag("team"), .tag("feature")]).run(on: connection)
            #expect(requestsByKey(byTeamAndFeature) == [["", ""]: 1, ["ads", "summary"]: 1, ["search", ""]: 1])
            // A key is a parameter, never SQL.
            let hostile = try AuditQuery(groupBy: [.tag("x' OR true); DROP TABLE ledger; --")]).run(on: connection)
            #expect(requestsByKey(hostile) == [[""]: 3])
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 3)
        }
    }

    @Test func groupingsAreNamedAsTheCommandLineNamesThem() {
        #expect(AuditQuery.Grouping(name: "tag:cost_centre") == .tag("cost_centre"))
        #expect(AuditQuery.Grouping(name: "router_version") == .routerVersion)
        #expect(AuditQuery.Grouping(name: "tag:") == nil)
        #expect(AuditQuery.Grouping(name: "tags") == nil)
        #expect(AuditQuery.Grouping.fixed.allSatisfy { AuditQuery.Grouping(name: $0.name) == $0 })
    }
}
