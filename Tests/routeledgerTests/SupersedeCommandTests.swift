import Foundation
import Postgres
import Testing
import TestSupport

/// Through the ledger stage and the commands: a naive re-route under a new router version is
/// refused, not billed twice; `ledger supersede` and `ledger retry-deadletters --reason
/// duplicate_query` bill the new decision instead, once. And the stage books each query at its
/// request time and under its tags.
@Suite struct SupersedeCommandTests {
    @Test func badOptionsAreRefusedNamingThem() throws {
        let noDecision = try RouteLedgerTool.run(["ledger", "supersede", "--reason", "why"])
        #expect(noDecision.status == 2 && noDecision.error.contains("--decision"))
        let noReason = try RouteLedgerTool.run(["ledger", "supersede", "--decision", "d1", "--reason", " "])
        #expect(noReason.status == 2 && noReason.error.contains("--reason"))
    }

    @Test func aReRouteIsRefusedUntilTheFirstDecisionIsSuperseded() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let fixture = try LedgerStageFixture(database: database, name: "supersede")
            defer { fixture.removeFiles() }
            let made = [("q1", "2026-11-22T09:00:00Z", #"{"team":"search"}"#), ("q2", "2026-11-23T09:00:00Z", #"{"team":"ads"}"#),
                        ("q3", "2026-11-24T09:00:00Z", nil)]
            for (query, createdAt, tags) in made {
                try fixture.sendDecision(id: "d-\(query)-v1", query: query, model: query == "q2" ? "strong" : "weak",
                                         extra: "\"created_at\":\"\(createdAt)\"," + (tags.map { "\"tags\":\($0)," } ?? ""))
            }
            try fixture.sendUsage(decision: "d-q1-v1", query: "q1", model: "weak")
            // The same queries again under router version v2, all to the strong model.
            for (query, _, _) in made {
                try fixture.sendDecision(id: "d-\(query)-v2", query: query, model: "strong", routerVersion: "v2")
            }
            try fixture.runLedgerStage { connection in
                try connection.count("SELECT coalesce(max(next_offset), 0) AS n FROM consumer_offsets WHERE topic = '\(fixture.topics.decisions)'") == 6
            }
            let connection = try database.connect()
            #expect(try connection.count("SELECT count(*) AS n FROM ledger WHERE router_version = 'v1'") == 3)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 3)

            let audit = ["audit", "--database", database.connectionString, "--format", "csv"]
            // q1: 2,000 × $1 + 300 × $2 per million, reported; q2: 1,000 × $10 + 100 × $30,
            // estimated; q3: 1,000 × $1 + 100 × $2, estimated.
            let byDay = try RouteLedgerTool.run(audit + ["--group-by", "day"])
            #expect(byDay.status == 0, "\(byDay.error)")
            let days = byDay.output.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
            #expect(days == ["2026-11-22,1,1", "2026-11-23,1,0", "2026-11-24,1,0"], "\(byDay.output)")
            let byDecisionDay = try RouteLedgerTool.run(audit + ["--group-by", "day", "--booked-at", "decision"])
            #expect(byDecisionDay.output.split(separator: "\r\n").dropFirst().first?.hasPrefix("2026-11-24,3,") == true, "\(byDecisionDay.output)")
            let byTeam = try RouteLedgerTool.run(audit + ["--group-by", "tag:team"])
            #expect(byTeam.status == 0, "\(byTeam.error)")
            let teams = byTeam.output.split(separator: "\r\n")
            #expect(teams.first?.hasPrefix("tag:team,") == true, "\(byTeam.output)")
            let costs = Dictionary(uniqueKeysWithValues: teams.dropFirst().map { line in
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                return (String(fields[0]), fields.count > 5 ? String(fields[5]) : "")
            })
            #expect(costs == ["": "0.001200", "ads": "0.013000", "search": "0.002600"], "\(byTeam.output)")
            // They sum to the total.
            let whole = try RouteLedgerTool.run(audit)
            #expect(whole.output.split(separator: "\r\n").last?.split(separator: ",").dropFirst(4).first == "0.016800", "\(whole.output)")

            let before = try RouteLedgerTool.run(fixture.reconcile)
            #expect(before.status == 0, "\(before.output)\(before.error)")
            #expect(before.output.contains("bills: one billed decision per query"), "\(before.output)")
            #expect(before.output.contains("0 missing from the ledger, 3 dead-lettered"), "\(before.output)")
            #expect(before.output.contains("decision d-q3-v2 at \(fixture.topics.decisions)[0]@5: duplicate_query"), "\(before.output)")

            let supersede = ["ledger", "supersede", "--config", fixture.configuration.path, "--reason", "re-routed under v2"]
            let answered = try RouteLedgerTool.run(supersede + ["--decision", "d-q1-v1"])
            #expect(answered.status == 1 && answered.error.contains("answered"), "\(answered.output)\(answered.error)")
            let superseded = try RouteLedgerTool.run(supersede + ["--decision", "d-q3-v1"])
            #expect(superseded.status == 0 && superseded.output.contains("query 'q3' of tenant 'acme'"), "\(superseded.output)\(superseded.error)")

            // Twice, as after a kill: the new decision of q3 is booked once; q1's and q2's stay refused.
            for _ in 0..<2 {
                let retry = try RouteLedgerTool.run(fixture.retryDeadLetters("duplicate_query"))
                #expect(retry.status == 1, "\(retry.output)\(retry.error)")
                #expect(retry.output.contains("still refused \(fixture.topics.decisions)[0]@3: duplicate_query"), "\(retry.output)")
            }
            #expect(try connection.count("SELECT count(*) AS n FROM ledger WHERE decision_id = 'd-q3-v2' AND superseded_at IS NULL") == 1)
            let total = try RouteLedgerTool.run(audit)
            // q3 is billed at the strong model now: $0.013000 in place of $0.001200.
            #expect(total.output.split(separator: "\r\n").last?.split(separator: ",").prefix(6).joined(separator: ",")
                    == "3,1,4000,500,0.028600,0.055000", "\(total.output)")
            let after = try RouteLedgerTool.run(fixture.reconcile)
            #expect(after.status == 0 && after.output.contains("bills: one billed decision per query"), "\(after.output)")
        }
    }
}
