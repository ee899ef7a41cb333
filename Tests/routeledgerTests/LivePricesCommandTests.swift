import Foundation
import Kafka
import Ledger
import Pipeline
import Postgres
import Testing
import TestSupport

/// `routeledger prices set` beside a running `routeledger run --stages route,ledger` whose route
/// stage has a database (tenant budgets on): the new price reaches the route stage's estimates
/// at its effective time without a restart, and the log says what changed (and, once, that a
/// model without a book price is estimated at its configured price). A query's 1-byte
/// prompt is estimated at 1 input and 256 output tokens: 1 × 10 + 256 × 30 = 7,690 µ$ on
/// "strong" at $10 / $30 per million, 1 × 12 + 256 × 36 = 9,228 µ$ at $12 / $36.
@Suite(.serialized) struct LivePricesCommandTests {
    @Test func aPriceSetBesideARunningStageIsEstimatedFromItsTimeAndLogged() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            let prefix = TestKafkaBroker.uniqueName("liveprices")
            let workspace = try RunCommandTests.makeWorkspace(topicsPrefix: prefix, broker: broker, partitions: 1)
            defer { try? FileManager.default.removeItem(at: workspace) }
            try broker.createTopics(["\(prefix).usage"], partitions: 1)
            // The workspace's memory, and a configuration for both stages with a database.
            let file = workspace.appendingPathComponent("live-prices.json")
            try Data("""
                {"kafka": {"group_id": "\(prefix).router",
                           "consumer_properties": {"session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"}},
                 "topics": {"queries": "\(prefix).queries", "decisions": "\(prefix).decisions", "usage": "\(prefix).usage",
                            "deadletter": "\(prefix).deadletter", "route_prefix": "\(prefix).route."},
                 "models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                            {"name": "weak", "input_per_million": "0.5", "output_per_million": "1.5"}],
                 "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
                 "embedder": {"kind": "given"},
                 "memory": "\(workspace.appendingPathComponent("memory").path)",
                 "ledger": {"group_id": "\(prefix).ledger", "pairing_window_ms": 0},
                 "tenant_budgets": {"enabled": true},
                 "database": {"url": \(String(decoding: try JSONEncoder().encode(database.connectionString), as: UTF8.self))}}
                """.utf8).write(to: file)
            // The book has the strong model's price only: the weak one is estimated at its
            // configured price until the ledger stage (as the owner, it may add prices) adds it.
            let connection = try database.connect()
            try PriceBook.record(configured: [("strong", TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!,
                                                                    outputPerMillion: MicroUSD(dollars: "30")!))], on: connection)

            let logFile = workspace.appendingPathComponent("stage.log")
            try #require(FileManager.default.createFile(atPath: logFile.path, contents: nil))
            let process = Process()
            process.executableURL = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
            process.arguments = ["run", "--config", file.path, "--stages", "route,ledger", "--metrics-port", "0"]
            process.environment = ProcessInfo.processInfo.environment.merging(["KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: logFile)
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            func logged(_ expected: String, within seconds: Double = 60) throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(seconds)
                while try !String(contentsOf: logFile, encoding: .utf8).contains(expected) {
                    guard ContinuousClock.now < deadline else { return false }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                return true
            }

            let reader = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
            defer { try? reader.close() }
            try reader.subscribe(topics: ["\(prefix).decisions"])
            try RunCommandTests.produce(0..<3, topic: "\(prefix).queries", broker: broker)
            let before = try reader.poll(count: 3, within: .seconds(90)).map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }

            let fallback = "the price book has no price of the model in effect; route estimates use the configured price model=weak"
            #expect(try logged(fallback))
            #expect(try logged("prices: new price read model=weak"))
            let now = try PriceBook.currentTime(on: connection)
            let takesEffect = PostgresTimestamp(microsecondsSince2000: now.microsecondsSince2000 + 3_000_000)
            let set = try RouteLedgerTool.run(["prices", "set", "--database", database.connectionString, "--model", "strong",
                                               "--input", "12", "--output", "36", "--from", try #require(takesEffect.rfc3339)])
            try #require(set.status == 0, "\(set.output)\(set.error)")
            let newID = try connection.query("SELECT max(id) AS id FROM prices")[0].decode(Int64.self, column: "id")
            #expect(try logged("prices: new price read model=strong price=$12.000000 / $36.000000 per million input / output tokens "
                               + "effective_from=\(takesEffect) price_id=\(newID)"))
            #expect(try logged("prices: a new price is in effect for the route stage's estimates model=strong"))
            #expect(try logged("after=price change (strong: $10.000000 / $30.000000 per million input / output tokens -> "
                               + "$12.000000 / $36.000000 per million input / output tokens)"))
            try RunCommandTests.produce(3..<6, topic: "\(prefix).queries", broker: broker)
            let after = try reader.poll(count: 3, within: .seconds(90)).map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
            process.terminate()
            #expect(RunCommandTests.waitForExit(process, within: .seconds(30)))
            // Said once, not at every review.
            #expect(try String(contentsOf: logFile, encoding: .utf8).components(separatedBy: fallback).count == 2)

            let oldID = try connection.query("SELECT id FROM prices WHERE model = 'strong' AND effective_from = '-infinity'")[0]
                .decode(Int64.self, column: "id")
            let q0 = try #require(before.first { $0.queryID == "q0" })
            #expect(q0.model == "strong" && q0.estimatedCostMicroUSD == 7_690 && q0.priceID == oldID)
            let q3 = try #require(after.first { $0.queryID == "q3" })
            #expect(q3.model == "strong" && q3.estimatedCostMicroUSD == 9_228 && q3.priceID == newID)
            #expect(after.allSatisfy { $0.referenceCostMicroUSD == 9_228 && $0.referencePriceID == newID })
        }
    }
}
