import Foundation
import Kafka
import Postgres
import Ranking
import Testing
import TestSupport
@testable import routeledger

/// Kill -9 the ledger stage at random points, ten times, during a 50,000-decision run,
/// restarting it each time: the ledger ends with every decision exactly once and the savings
/// the test computes from the events itself, to the micro-dollar.
@Suite(.serialized) struct LedgerCrashTests {
    /// Per-token prices in whole micro-dollars (strong $10 / $30 per million tokens, weak $1 /
    /// $2), so the expected sum needs no rounding rule.
    private static func cost(strong: Bool, input: Int64, output: Int64) -> Int64 {
        strong ? input * 10 + output * 30 : input + output * 2
    }

    @Test func theLedgerHoldsEveryDecisionOnceWhenItsStageIsKilledTenTimes() throws {
        let decisions = 50_000
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 16)
            let prefix = TestKafkaBroker.uniqueName("ledger-crash")
            try broker.createTopics(["\(prefix).decisions", "\(prefix).usage", "\(prefix).deadletter"], partitions: 16)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let configuration = folder.appendingPathComponent("routeledger.json")
            try Data("""
                {"kafka": {"bootstrap_servers": "\(broker.bootstrapServers)",
                           "consumer_properties": {"session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"},
                           "producer_properties": {"max.in.flight.requests.per.connection": "1"}},
                 "topics": {"decisions": "\(prefix).decisions", "usage": "\(prefix).usage", "deadletter": "\(prefix).deadletter"},
                 "models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                            {"name": "weak", "input_per_million": "1", "output_per_million": "2"}],
                 "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
                 "ledger": {"group_id": "\(prefix).ledger"},
                 "batch": {"max_events": 500},
                 "memory": "database"}
                """.utf8).write(to: configuration)

            // Decisions, and usage for each: a fifth of the reports before their decision.
            var expectedSavings: Int64 = 0
            let producer = try KafkaProducer(configuration: broker.producerConfiguration())
            for query in 0..<decisions {
                let strong = query % 3 == 0
                let (input, output) = (Int64(100 + query % 1_000), Int64(50 + query % 777))
                expectedSavings += Self.cost(strong: true, input: input, output: output) - Self.cost(strong: strong, input: input, output: output)
                let model = strong ? "strong" : "weak"
                let decision = Data("""
                    {"schema":"routeledger.decision.v1","decision_id":"d\(query)","query_id":"q\(query)","tenant":"t\(query % 7)",\
                    "model":"\(model)","reference_model":"strong","candidates":[{"model":"weak","reference_win_rate":0.4}],\
                    "threshold":0.5,"router_version":"v1","estimated_input_tokens":500,"estimated_output_tokens":500,\
                    "decided_at":"2026-11-24T10:00:00Z"}
                    """.utf8)
                let usage = Data("""
                    {"schema":"routeledger.usage.v1","query_id":"q\(query)","tenant":"t\(query % 7)","model":"\(model)",\
                    "input_tokens":\(input),"output_tokens":\(output),"completed_at":"2026-11-24T10:00:05Z"}
                    """.utf8)
                let key = Data("q\(query)".utf8)
                if query % 5 == 0 { try producer.send(topic: "\(prefix).usage", key: key, value: usage) }
                try producer.send(topic: "\(prefix).decisions", key: key, value: decision)
                if query % 5 != 0 { try producer.send(topic: "\(prefix).usage", key: key, value: usage) }
            }
            try producer.flush(timeout: .seconds(120)).requireDelivered()

            let connection = try database.connect()
            func launch() throws -> Process {
                let process = Process()
                process.executableURL = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
                process.arguments = ["run", "--config", configuration.path, "--stages", "ledger", "--metrics-port", "0"]
                var environment = ProcessInfo.processInfo.environment
                environment["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrapServers
                environment["ROUTELEDGER_DATABASE_URL"] = database.connectionString
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }

            var generator = SeededGenerator(seed: 11)
            var killedWhileWriting = 0
            for _ in 0..<10 {
                let before = try connection.count("SELECT count(*) AS n FROM ledger")
                let process = try launch()
                // Kill at a random moment after this run has recorded something, so every kill
                // lands while the stage is writing, whatever the machine's speed.
                let deadline = ContinuousClock.now + .seconds(120)
                while try connection.count("SELECT count(*) AS n FROM ledger") == before, ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.01)
                }
                Thread.sleep(forTimeInterval: Double(Int.random(in: 10...300, using: &generator)) / 1_000)
                kill(process.processIdentifier, SIGKILL)
                #expect(RunCommandTests.waitForExit(process, within: .seconds(10)))
                if try connection.count("SELECT count(*) AS n FROM ledger") < decisions { killedWhileWriting += 1 }
            }
            let process = try launch()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let deadline = ContinuousClock.now + .seconds(300)
            while try connection.count("SELECT count(*) AS n FROM ledger WHERE actual_cost IS NOT NULL") < decisions, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.2)
            }
            process.terminate()
            #expect(RunCommandTests.waitForExit(process, within: .seconds(30)))

            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == decisions)
            #expect(try connection.count("SELECT count(DISTINCT decision_id) AS n FROM ledger") == decisions)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger WHERE actual_cost IS NOT NULL") == decisions)
            #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 0)
            let savings = try connection.query("SELECT sum(savings) AS savings FROM ledger")[0].decode(PostgresNumeric.self, column: "savings").units(scale: 6)
            #expect(savings == expectedSavings)
            #expect(killedWhileWriting == 10, "every kill should land while the stage is writing")

            // And the reconciliation finds every decision of the topic in the ledger, and the
            // rollups and costs in agreement.
            let reconciled = try RouteLedgerTool.run(["audit", "reconcile", "--config", configuration.path,
                                                      "--database", database.connectionString])
            #expect(reconciled.status == 0, "\(reconciled.output)\(reconciled.error)")
            #expect(reconciled.output.contains("kafka: \(decisions) decisions on \(prefix).decisions below the stored offsets, all in the ledger"))
        }
    }
}
