import Foundation
import Kafka
import Postgres
import Ranking
import Testing
import TestSupport

/// A decision the ledger stage dead-letters as `unpriced_model` is reported by `audit reconcile`
/// as dead-lettered (not missing), and `ledger retry-deadletters` books it once its model has a
/// price: once, however often it runs.
@Suite struct RetryDeadLettersTests {
    /// A refusal that a retry cannot lift, and a missing configuration, are usage errors named
    /// before anything is read or written.
    @Test func badOptionsAreRefusedNamingThem() throws {
        let noConfig = try RouteLedgerTool.run(["ledger", "retry-deadletters"])
        #expect(noConfig.status == 2 && noConfig.error.contains("--config"))
        let mismatch = try RouteLedgerTool.run(["ledger", "retry-deadletters", "--config", "/nonexistent.json", "--reason", "usage_mismatch"])
        #expect(mismatch.status == 2 && mismatch.error.contains("--reason") && mismatch.error.contains("usage_mismatch"))
        let unknown = try RouteLedgerTool.run(["ledger", "retry-deadletters", "--config", "/nonexistent.json", "--reason", "unpriced_model,bogus"])
        #expect(unknown.status == 2 && unknown.error.contains("'bogus'"))
        let wait = try RouteLedgerTool.run(["ledger", "retry-deadletters", "--config", "/nonexistent.json", "--wait", "0"])
        #expect(wait.status == 2 && wait.error.contains("--wait"))
    }

    @Test func aDecisionOfAModelPricedSinceIsBookedOnce() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let fixture = try LedgerStageFixture(database: database, name: "retry")
            defer { fixture.removeFiles() }
            let topics = fixture.topics
            // "mini" is not configured, so nothing prices it: its decision is refused. Its usage
            // report, which comes after, waits for it in the holding table.
            for (query, model) in [("q1", "weak"), ("q2", "mini")] {
                try fixture.sendDecision(id: "d-\(query)", query: query, model: model)
                try fixture.sendUsage(decision: "d-\(query)", query: query, model: model)
            }
            try fixture.runLedgerStage { connection in
                try connection.count("SELECT count(*) AS n FROM ledger WHERE actual_cost IS NOT NULL") >= 1
                    && connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") >= 1
            }
            let connection = try database.connect()
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 1)

            let reconcile = fixture.reconcile
            let before = try RouteLedgerTool.run(reconcile)
            #expect(before.status == 0, "\(before.output)\(before.error)")
            #expect(before.output.contains("0 missing from the ledger, 1 dead-lettered"), "\(before.output)")
            #expect(before.output.contains("dead-lettered, not healed: decision d-q2 at \(topics.decisions)[0]@1: unpriced_model"))

            let retry = fixture.retryDeadLetters()
            // Still unpriced: listed, nothing booked.
            let early = try RouteLedgerTool.run(retry)
            #expect(early.status == 1 && early.output.contains("still refused \(topics.decisions)[0]@1: unpriced_model"), "\(early.output)\(early.error)")
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 1)

            let priced = try RouteLedgerTool.run(["prices", "set", "--model", "mini", "--input", "2", "--output", "4", "--from", "always",
                                                  "--database", database.connectionString])
            try #require(priced.status == 0, "\(priced.error)")
            let healed = try RouteLedgerTool.run(retry)
            #expect(healed.status == 0, "\(healed.output)\(healed.error)")
            #expect(healed.output.contains("booked: 1 decisions"), "\(healed.output)")
            // Booked with the report that waited for it: 2,000 × $2 + 300 × $4 per million = $0.005200.
            let row = try connection.query("SELECT actual_cost::text AS cost FROM ledger WHERE decision_id = 'd-q2'")
            #expect(try row.map { try $0.decode(String.self, column: "cost") } == ["0.005200"])
            #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 0)

            let again = try RouteLedgerTool.run(retry)
            #expect(again.status == 0 && again.output.contains("booked: 0 decisions") && again.output.contains("already in the ledger: 1 decisions"),
                    "\(again.output)\(again.error)")
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 2)
            let after = try RouteLedgerTool.run(reconcile)
            #expect(after.status == 0 && after.output.contains("all in the ledger"), "\(after.output)")
        }
    }

    /// Killed while its transaction is open, a retry has booked nothing; run again, it books
    /// every healed decision once.
    @Test func aRetryKilledWhileWritingBooksEachDecisionOnceWhenRunAgain() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let fixture = try LedgerStageFixture(database: database, name: "retrykill")
            defer { fixture.removeFiles() }
            let refused = 1_000
            for query in 0..<refused {
                try fixture.sendDecision(id: "d-m\(query)", query: "m\(query)", model: "mini")
                try fixture.sendUsage(decision: "d-m\(query)", query: "m\(query)", model: "mini")
            }
            // After the refused decisions on the same partition: once it is booked with its
            // usage, every decision before it was read and every report is waiting.
            try fixture.sendDecision(id: "d-last", query: "last", model: "weak")
            try fixture.sendUsage(decision: "d-last", query: "last", model: "weak")
            try fixture.runLedgerStage { connection in
                try connection.count("SELECT count(*) AS n FROM ledger WHERE decision_id = 'd-last' AND actual_cost IS NOT NULL") == 1
                    && connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == refused
            }
            let priced = try RouteLedgerTool.run(["prices", "set", "--model", "mini", "--input", "2", "--output", "4", "--from", "always",
                                                  "--database", database.connectionString])
            try #require(priced.status == 0, "\(priced.error)")

            let connection = try database.connect()
            let retry = fixture.retryDeadLetters()
            var generator = SeededGenerator(seed: 7)
            var killedInsideTheTransaction = 0
            for _ in 0..<3 {
                let process = try RouteLedgerTool.start(retry)
                defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
                // Wait for the retry's transaction to have written, then kill it a moment later.
                let deadline = ContinuousClock.now + .seconds(120)
                while try connection.count("""
                    SELECT count(*) AS n FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
                    """) == 0, process.isRunning, ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.002)
                }
                Thread.sleep(forTimeInterval: Double(Int.random(in: 0...20, using: &generator)) / 1_000)
                kill(process.processIdentifier, SIGKILL)
                #expect(RunCommandTests.waitForExit(process, within: .seconds(10)))
                // All or nothing: one transaction books the whole retry.
                let booked = try connection.count("SELECT count(*) AS n FROM ledger")
                #expect(booked == 1 || booked == 1 + refused, "\(booked) rows after a kill")
                if booked == 1 { killedInsideTheTransaction += 1 }
            }
            #expect(killedInsideTheTransaction >= 1, "no kill landed while the retry was writing")

            let healed = try RouteLedgerTool.run(retry)
            #expect(healed.status == 0, "\(healed.output)\(healed.error)")
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 1 + refused)
            #expect(try connection.count("SELECT count(DISTINCT query_id) AS n FROM ledger") == 1 + refused)
            #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 0)
            // Each booked with its report: 2,000 × $2 + 300 × $4 per million = $0.005200.
            let total = try connection.query("SELECT sum(actual_cost) AS total FROM ledger WHERE chosen_model = 'mini'")[0]
                .decode(PostgresNumeric.self, column: "total").units(scale: 6)
            #expect(total == Int64(refused) * 5_200)
            let again = try RouteLedgerTool.run(retry)
            #expect(again.output.contains("booked: 0 decisions") && again.output.contains("already in the ledger: \(refused) decisions"),
                    "\(again.output)\(again.error)")
            let reconciled = try RouteLedgerTool.run(fixture.reconcile)
            #expect(reconciled.status == 0 && reconciled.output.contains("all in the ledger"), "\(reconciled.output)")
        }
    }
}
