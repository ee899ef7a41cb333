import Foundation
import Postgres
import Testing
import TestSupport

/// Price components from the run configuration to the bill and a re-pricing: a ledger stage
/// (`routeledger run --stages ledger`) on the embedded broker and a real PostgreSQL prices a
/// usage report's cached input and reasoning tokens and the fee, refuses a report that claims
/// more cached tokens than input tokens, reconciles, and `replay --prices` re-prices with a
/// list's components.
@Suite struct PriceComponentsStageTests {
    /// weak: $1 input, $0.25 cached input, $2 output, $8 reasoning per million tokens, $0.0002 a
    /// request; strong: $10 input, $5 cached input, $30 output (no reasoning rate), $0.001 a request.
    static let models = """
        [{"name": "strong", "input_per_million": "10", "output_per_million": "30", "cached_input_per_million": "5",
          "per_request": "0.001"},
         {"name": "weak", "input_per_million": "1", "output_per_million": "2", "cached_input_per_million": "0.25",
          "reasoning_per_million": "8", "per_request": "0.0002"}]
        """

    @Test func componentsArePricedBookedReconciledAndRepriced() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let fixture = try LedgerStageFixture(database: database, name: "components", models: Self.models)
            defer { fixture.removeFiles() }
            try fixture.sendDecision(id: "d1", query: "q1", model: "weak")
            try fixture.sendUsage(decision: "d1", query: "q1", model: "weak", extra: #""cached_input_tokens":1502,"reasoning_tokens":100,"#)
            try fixture.sendDecision(id: "d2", query: "q2", model: "weak")
            try fixture.sendUsage(decision: "d2", query: "q2", model: "weak", extra: #""cached_input_tokens":2001,"#)
            try fixture.runLedgerStage { connection in
                try connection.count("SELECT count(*) AS n FROM ledger") == 2
                    && connection.count("SELECT count(*) AS n FROM ledger WHERE actual_cost IS NOT NULL") == 1
            }
            let connection = try database.connect()
            // d1, 2,000 input tokens of which 1,502 cached and 300 output of which 100 reasoning:
            //   weak   498 × 1 + 1,502 × 0.25 + 200 × 2 + 100 × 8 + 200 (fee)
            //          = 498 + 375.5 + 400 + 800 + 200 = 2,273.5 µ$ → 2,274 (half to even);
            //   strong 498 × 10 + 1,502 × 5 + 300 × 30 + 1,000 (fee) = 4,980 + 7,510 + 9,000 + 1,000 = 22,490 µ$;
            //   savings 22,490 − 2,274 = 20,216 µ$.
            // d2 keeps its estimate, 1,000 input and 100 output tokens, none cached:
            //   weak 1,000 + 200 + 200 = 1,400 µ$; strong 10,000 + 3,000 + 1,000 = 14,000 µ$.
            let rows = try connection.query("""
                SELECT decision_id, coalesce(actual_cost, estimated_cost)::text AS cost,
                       coalesce(actual_reference_cost, estimated_reference_cost)::text AS reference_cost, savings::text AS savings,
                       actual_cached_input_tokens, actual_reasoning_tokens
                FROM ledger ORDER BY decision_id
                """).map { row in
                [try row.decode(String.self, column: "decision_id"), try row.decode(String.self, column: "cost"),
                 try row.decode(String.self, column: "reference_cost"), try row.decode(String.self, column: "savings"),
                 try row.decode(Int32?.self, column: "actual_cached_input_tokens").map(String.init) ?? "-",
                 try row.decode(Int32?.self, column: "actual_reasoning_tokens").map(String.init) ?? "-"]
            }
            #expect(rows == [["d1", "0.002274", "0.022490", "0.020216", "1502", "100"],
                             ["d2", "0.001400", "0.014000", "0.012600", "-", "-"]])

            // More cached input tokens than input tokens: refused when read, naming the fields.
            let letters = try fixture.deadLetters(count: 1)
            #expect(letters["\(fixture.topics.usage)@1"]?.hasPrefix("invalid_field: 'cached_input_tokens' (2001) must not exceed 'input_tokens' (2000)")
                    == true, "\(letters)")

            let reconciled = try RouteLedgerTool.run(fixture.reconcile)
            #expect(reconciled.status == 0, "\(reconciled.output)\(reconciled.error)")

            // The configured components reached the price book.
            let listed = try RouteLedgerTool.run(["prices", "list", "--format", "json", "--database", database.connectionString])
            let prices = try #require((try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any])?["prices"]
                                      as? [[String: Any]])
            #expect(prices.map { "\($0["model"]!) \($0["cached_input_usd_per_million"]!) \($0["reasoning_usd_per_million"]!) \($0["per_request_usd"]!)" }
                    == ["strong 5.000000 <null> 0.001000", "weak 0.250000 8.000000 0.000200"])

            // Re-priced at strong $20 / $60, $2 cached input, no fee; weak $1 / $3, $0.10 cached
            // input, $0.0001 a request; no reasoning column, so reasoning tokens cost the output rate.
            //   d1 weak   498 × 1 + 1,502 × 0.1 + 300 × 3 + 100 = 498 + 150.2 + 900 + 100 = 1,648.2 → 1,648 µ$;
            //      strong 498 × 20 + 1,502 × 2 + 300 × 60 = 9,960 + 3,004 + 18,000 = 30,964 µ$;
            //   d2 weak   1,000 × 1 + 100 × 3 + 100 = 1,400 µ$; strong 1,000 × 20 + 100 × 60 = 26,000 µ$.
            //   Cost 1,648 + 1,400 = 3,048 µ$; savings 29,316 + 24,600 = 53,916 µ$. Billed: 2,274 + 1,400 = 3,674 µ$.
            let list = FileManager.default.temporaryDirectory.appendingPathComponent("components-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: list) }
            try Data("""
                model,input_usd_per_million,output_usd_per_million,cached_input_usd_per_million,per_request_usd
                strong,20,60,2,
                weak,1,3,0.1,0.0001
                """.utf8).write(to: list)
            let replay = try RouteLedgerTool.run(["replay", "--config", fixture.configuration.path, "--id", "cached", "--prices", list.path,
                                                  "--format", "json"])
            try #require(replay.status == 0, "\(replay.output)\(replay.error)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(replay.output.utf8)) as? [String: Any])
            let days = try #require(report["days"] as? [[String: Any]])
            #expect(days.count == 1)
            let replayed = try #require(days.first?["replay"] as? [String: Any])
            let actual = try #require(days.first?["actual"] as? [String: Any])
            #expect(replayed["cost_usd"] as? String == "0.003048" && replayed["savings_usd"] as? String == "0.053916", "\(replayed)")
            #expect(actual["cost_usd"] as? String == "0.003674", "\(actual)")
            let shadow = try connection.query("""
                SELECT cached_input_tokens, reasoning_tokens FROM replay_decisions WHERE replay_id = 'cached' ORDER BY query_id
                """).map { [try $0.decode(Int32.self, column: "cached_input_tokens"), try $0.decode(Int32.self, column: "reasoning_tokens")] }
            #expect(shadow == [[1_502, 100], [0, 0]])
        }
    }
}
