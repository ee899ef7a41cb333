import Foundation
import Ledger
import Postgres
import Streams
import Testing
import TestSupport

/// `routeledger audit` and `audit reconcile` on a ledger written by the ledger writer.
@Suite struct AuditCommandTests {
    /// Strong $10 / $30 per million tokens, weak $1 / $2: whole micro-dollars per token, so the
    /// expected totals below are plain arithmetic.
    private static func fill(_ database: TestDatabase) throws {
        let connection = try database.connect()
        try PriceBook.record(configured: [("strong", TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
                                          ("weak", TokenPrice(inputPerMillion: MicroUSD(dollars: "1")!, outputPerMillion: MicroUSD(dollars: "2")!))],
                             on: connection)
        func decision(_ n: Int, tenant: String, model: String, day: String) throws -> LedgerDecision {
            try LedgerDecision(decisionID: "d\(n)", queryID: "q\(n)", tenant: tenant,
                               decidedAt: PostgresTimestamp(try Date("\(day)T12:00:00Z", strategy: .iso8601)), chosenModel: model,
                               referenceModel: "strong", routerVersion: "v1", threshold: 0.5, strongWinRate: 0.4,
                               estimatedInputTokens: 1_000, estimatedOutputTokens: 100,
                               position: RecordPosition(topic: "llm.decisions", partition: 0, offset: Int64(n)))
        }
        let decisions = [
            try decision(0, tenant: "acme", model: "weak", day: "2026-11-20"),
            try decision(1, tenant: "acme", model: "strong", day: "2026-11-20"),
            try decision(2, tenant: #"it's, "quoted"; DROP TABLE ledger; --"#, model: "weak", day: "2026-11-21"),
        ]
        let writer = try LedgerWriter(connection: connection, consumerGroup: "audit-test")
        try writer.write(LedgerBatch(decisions: decisions, nextOffsets: [RecordPosition(topic: "llm.decisions", partition: 0, offset: 3)]))
    }

    @Test func totalsGroupedByTenantInEveryFormat() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            try Self.fill(database)
            // Per decision (estimates: 1,000 in, 100 out): strong 13,000 µ$, weak 1,200 µ$.
            let json = try RouteLedgerTool.run(["audit", "--database", database.connectionString, "--group-by", "tenant", "--format", "json"])
            try #require(json.status == 0, "audit failed: \(json.error)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            let rows = try #require(report["rows"] as? [[String: Any]])
            #expect(rows.map { $0["tenant"] as? String } == ["acme", #"it's, "quoted"; DROP TABLE ledger; --"#])
            #expect(rows[0]["requests"] as? Int == 2 && rows[0]["cost_usd"] as? String == "0.014200")
            #expect(rows[0]["reference_cost_usd"] as? String == "0.026000" && rows[0]["savings_usd"] as? String == "0.011800")
            #expect(rows[0]["savings_percent"] as? String == "45.38")
            let total = try #require(report["total"] as? [String: Any])
            #expect(total["requests"] as? Int == 3 && total["savings_usd"] as? String == "0.023600")

            let csv = try RouteLedgerTool.run(["audit", "--database", database.connectionString, "--group-by", "tenant,day", "--format", "csv"])
            let lines = csv.output.split(separator: "\r\n").map(String.init)
            #expect(lines.first == "tenant,day,requests,with_usage,input_tokens,output_tokens,cost_usd,reference_cost_usd,savings_usd,savings_percent")
            #expect(lines.contains(#""it's, ""quoted""; DROP TABLE ledger; --",2026-11-21,1,0,1000,100,0.001200,0.013000,0.011800,90.77"#))

            let table = try RouteLedgerTool.run(["audit", "--database", database.connectionString, "--group-by", "model",
                                                 "--from", "2026-11-20", "--to", "2026-11-21"])
            #expect(table.status == 0 && table.output.contains("TOTAL") && table.output.contains("daily rollups"))
            #expect(table.output.split(separator: "\n").contains { $0.hasPrefix("weak") && $0.hasSuffix("90.77") })

            let bad = try RouteLedgerTool.run(["audit", "--database", database.connectionString, "--group-by", "tenant,planet"])
            #expect(bad.status == 2 && bad.error.contains("planet"))
        }
    }

    /// A second router version's decisions show apart, by version or for one.
    @Test func totalsByRouterVersionReadTheRows() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            try Self.fill(database)
            let replayed = try LedgerDecision(decisionID: "d9", queryID: "q9", tenant: "acme",
                                              decidedAt: PostgresTimestamp(try Date("2026-11-20T13:00:00Z", strategy: .iso8601)),
                                              chosenModel: "weak", referenceModel: "strong", routerVersion: "v2", threshold: 0.5,
                                              strongWinRate: 0.4, estimatedInputTokens: 1_000, estimatedOutputTokens: 100,
                                              position: RecordPosition(topic: "llm.decisions", partition: 0, offset: 3))
            try LedgerWriter(connection: try database.connect(), consumerGroup: "audit-test")
                .write(LedgerBatch(decisions: [replayed], nextOffsets: [RecordPosition(topic: "llm.decisions", partition: 0, offset: 4)]))
            func report(_ arguments: [String]) throws -> [String: Any] {
                let result = try RouteLedgerTool.run(["audit", "--database", database.connectionString, "--format", "json"] + arguments)
                try #require(result.status == 0, "audit failed: \(result.error)")
                return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            }
            let byVersion = try #require(try report(["--group-by", "router_version"])["rows"] as? [[String: Any]])
            #expect(byVersion.map { $0["router_version"] as? String } == ["v1", "v2"])
            #expect(byVersion.map { $0["requests"] as? Int } == [3, 1])
            // Whole days, which the rollups would answer, but they do not keep the version.
            let forV2 = try report(["--router-version", "v2", "--from", "2026-11-20", "--to", "2026-11-22"])
            let total = try #require(forV2["total"] as? [String: Any])
            #expect(total["requests"] as? Int == 1 && total["cost_usd"] as? String == "0.001200")
            #expect(forV2["source"] as? String == "ledger")
            let bad = try RouteLedgerTool.run(["audit", "--database", database.connectionString, "--group-by", "router"])
            #expect(bad.status == 2 && bad.error.contains("router_version"))
        }
    }

    @Test func reconcileFindsARollupThatDisagreesWithTheLedger() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            try Self.fill(database)
            let clean = try RouteLedgerTool.run(["audit", "reconcile", "--database", database.connectionString])
            #expect(clean.status == 0 && clean.output.contains("reconciled: no differences"), "\(clean.output)\(clean.error)")
            try database.connect().executeScript("UPDATE ledger_daily SET savings = savings + 1 WHERE tenant = 'acme'")
            let tampered = try RouteLedgerTool.run(["audit", "reconcile", "--database", database.connectionString])
            #expect(tampered.status == 1 && tampered.output.contains("2026-11-20 tenant"))
        }
    }
}

/// `bench ledger` as a user runs it, on a small scale.
@Suite struct BenchLedgerCommandTests {
    @Test func benchLedgerRecordsEveryRowAndReportsItsBaseline() throws {
        let result = try RouteLedgerTool.run(["bench", "ledger", "--database", try PostgresTestServer.url(), "--decisions", "300",
                                              "--batch", "100", "--partitions", "2", "--json"])
        try #require(result.status == 0, "bench failed: \(result.error)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(figures["decisions"] as? Int == 300)
        let stage = try #require(figures["stage_rows_per_second"] as? Double)
        let writer = try #require(figures["writer_alone_rows_per_second"] as? Double)
        let ratio = try #require(figures["ratio_to_writer_alone"] as? Double)
        #expect(stage > 0 && writer > 0 && abs(ratio - stage / writer) < 1e-9 * ratio)
        let records = try #require(figures["stage_records_per_second"] as? Double)
        #expect(abs(records - 2 * stage) < 1e-9 * records)
        // Every report arrives within the pairing window of its decision: each row goes in whole.
        #expect(figures["stage_usage_with_decision_fraction"] as? Double == 1)
    }

    @Test func aNegativePairingWindowIsRefusedNamingTheFlag() throws {
        let result = try RouteLedgerTool.run(["bench", "ledger", "--database", try PostgresTestServer.url(),
                                              "--pairing-window-ms", "-5"])
        #expect(result.status == 2 && result.error.contains("--pairing-window-ms"))
    }
}
