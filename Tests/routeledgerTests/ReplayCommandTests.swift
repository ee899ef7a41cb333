import Foundation
import Kafka
import Postgres
import Testing
import TestSupport

/// `routeledger replay` on traffic that a route and a ledger stage decided and billed: a replay
/// under another threshold changes the report, and not one billing row or record on a topic;
/// it is repeatable to the byte; a re-pricing equals the hand computation.
@Suite struct ReplayCommandTests {
    @Test func badOptionsAreRefusedNamingThem() throws {
        let nothing = try RouteLedgerTool.run(["replay", "--id", "r1"])
        #expect(nothing.status == 2 && nothing.error.contains("--prices"), "\(nothing.error)")
        let badID = try RouteLedgerTool.run(["replay", "--id", "r 1", "--threshold", "0.5"])
        #expect(badID.status == 2 && badID.error.contains("--id"), "\(badID.error)")
        let both = try RouteLedgerTool.run(["replay", "--id", "r1", "--threshold", "0.5", "--strong-share", "0.5"])
        #expect(both.status == 2 && both.error.contains("--strong-share"), "\(both.error)")
        let prices = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString).csv")
        try Data("model,input_usd_per_million,output_usd_per_million\nweak,1,2\nweak,3,x\n".utf8).write(to: prices)
        defer { try? FileManager.default.removeItem(at: prices) }
        let badList = try RouteLedgerTool.run(["replay", "--id", "r1", "--prices", prices.path])
        #expect(badList.status == 2 && badList.error.contains("line 3"), "\(badList.error)")
    }

    @Test func aReplayChangesTheReportAndNothingElse() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            let prefix = TestKafkaBroker.uniqueName("replay")
            let workspace = try RunCommandTests.makeWorkspace(topicsPrefix: prefix, broker: broker, partitions: 1)
            defer { try? FileManager.default.removeItem(at: workspace) }
            let configuration = workspace.appendingPathComponent("routeledger.json")
            // The run configuration with the broker, the database and a ledger stage of its own.
            var settings = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configuration)) as? [String: Any])
            var kafka = try #require(settings["kafka"] as? [String: Any])
            kafka["bootstrap_servers"] = broker.bootstrapServers
            settings["kafka"] = kafka
            var topics = try #require(settings["topics"] as? [String: Any])
            topics["usage"] = "\(prefix).usage"
            settings["topics"] = topics
            settings["database"] = ["url": database.connectionString]
            settings["ledger"] = ["group_id": "\(prefix).ledger", "pairing_window_ms": 0]
            try JSONSerialization.data(withJSONObject: settings).write(to: configuration)
            try broker.createTopics(["\(prefix).usage"], partitions: 1)

            // 5,000 queries over three days; a third along the prompts the strong model won.
            let producer = try KafkaProducer(configuration: broker.producerConfiguration())
            for index in 0..<5_000 {
                let vector = index % 3 == 0 ? "[1,0.2,0,0]" : "[0.2,1,0,0]"
                let event = #"{"schema":"routeledger.query.v1","id":"q\#(index)","tenant":"t","created_at":"2026-11-2\#(2 + index % 3)T10:00:00Z","prompt":"p","embedding":\#(vector)}"#
                try producer.send(topic: "\(prefix).queries", key: nil, value: Data(event.utf8))
            }
            try producer.flush(timeout: .seconds(60)).requireDelivered()
            let stages = try RouteLedgerTool.start(["run", "--config", configuration.path, "--stages", "route,ledger", "--metrics-port", "0"])
            defer { if stages.isRunning { kill(stages.processIdentifier, SIGKILL) } }
            let connection = try database.connect()
            let deadline = ContinuousClock.now + .seconds(180)
            while try connection.count("SELECT count(*) AS n FROM ledger") < 5_000, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.2)
            }
            stages.terminate()
            #expect(RunCommandTests.waitForExit(stages, within: .seconds(30)))
            try #require(try connection.count("SELECT count(*) AS n FROM ledger") == 5_000)

            let ledgerState = """
                SELECT count(*) AS n, sum(coalesce(actual_cost, estimated_cost))::text AS cost, max(id) AS last,
                       (SELECT sum(decisions)::bigint FROM ledger_daily) AS rolled FROM ledger
                """
            func ledger() throws -> [String] {
                let row = try connection.query(ledgerState)[0]
                return [String(try row.decode(Int64.self, column: "n")), try row.decode(column: "cost"),
                        String(try row.decode(Int64.self, column: "last")), String(try row.decode(Int64.self, column: "rolled"))]
            }
            let before = try ledger()
            let records = try recordCounts(["\(prefix).decisions", "\(prefix).route.strong", "\(prefix).route.weak"], broker: broker)
            #expect(records == [5_000, 1_667, 3_333])

            // At 0.95 nothing clears the threshold: every strong decision changes to weak.
            let replay = ["replay", "--config", configuration.path, "--id", "strict", "--threshold", "0.95", "--format", "json", "--wait", "60"]
            let first = try RouteLedgerTool.run(replay)
            try #require(first.status == 0, "\(first.output)\(first.error)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(first.output.utf8)) as? [String: Any])
            let changed = try #require(report["changed"] as? [[String: Any]])
            #expect(changed.count == 1_667)
            #expect(changed.allSatisfy { $0["actual_model"] as? String == "strong" && $0["replay_model"] as? String == "weak" })
            let days = try #require(report["days"] as? [[String: Any]])
            #expect(days.map { $0["day"] as? String } == ["2026-11-22", "2026-11-23", "2026-11-24"])
            #expect(days.allSatisfy { (($0["replay"] as? [String: Any])?["strong"] as? Int) == 0 })
            #expect(days.map { (($0["actual"] as? [String: Any])?["strong"] as? Int) ?? -1 }.reduce(0, +) == 1_667)

            #expect(try ledger() == before)
            #expect(try recordCounts(["\(prefix).decisions", "\(prefix).route.strong", "\(prefix).route.weak"], broker: broker) == records)

            // The same replay again, under the same id once the first is dropped: the same bytes.
            let drop = try RouteLedgerTool.run(["replay", "--config", configuration.path, "--drop", "strict"])
            #expect(drop.status == 0, "\(drop.error)")
            let again = try RouteLedgerTool.run(replay)
            #expect(again.status == 0 && again.output == first.output)
            let taken = try RouteLedgerTool.run(replay)
            #expect(taken.status == 1 && taken.error.contains("exists already"), "\(taken.error)")

            // Re-pricing the billed decisions at strong $20 / $60 and weak $1 / $3 per million
            // tokens: whole micro-dollars per token, so the total is a plain sum over the rows.
            let prices = workspace.appendingPathComponent("prices.csv")
            try Data("# a test list\nmodel,input_usd_per_million,output_usd_per_million\nstrong,20,60\nweak,1,3\n".utf8).write(to: prices)
            var expected: Int64 = 0
            for row in try connection.query("SELECT chosen_model, estimated_input_tokens, estimated_output_tokens FROM ledger") {
                let (input, output) = (Int64(try row.decode(Int32.self, column: "estimated_input_tokens")),
                                       Int64(try row.decode(Int32.self, column: "estimated_output_tokens")))
                expected += try row.decode(String.self, column: "chosen_model") == "strong" ? input * 20 + output * 60 : input * 1 + output * 3
            }
            let repriced = try RouteLedgerTool.run(["replay", "--config", configuration.path, "--id", "prices-2027", "--prices", prices.path,
                                                    "--format", "csv"])
            try #require(repriced.status == 0, "\(repriced.output)\(repriced.error)")
            let lines = repriced.output.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let total = lines.reduce(Int64(0)) { $0 + Int64(String($1[5]).replacingOccurrences(of: ".", with: ""))! }
            #expect(total == expected)
            #expect(lines.allSatisfy { $0[3] == "0" })
            let list = try RouteLedgerTool.run(["replay", "--config", configuration.path, "--list"])
            #expect(list.output.contains("strict  reroute  5000 queries") && list.output.contains("prices-2027  reprice  5000 queries"),
                    "\(list.output)")
            #expect(try ledger() == before)
        }
    }

    /// How many records each topic holds, read from its start.
    private func recordCounts(_ topics: [String], broker: TestKafkaBroker) throws -> [Int] {
        try topics.map { topic in
            let reader = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("count")))
            defer { try? reader.close() }
            try reader.subscribe(topics: [topic])
            return try reader.poll(count: 10_000, within: .seconds(8)).count
        }
    }
}
