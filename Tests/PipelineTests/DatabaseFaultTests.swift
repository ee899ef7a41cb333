import Foundation
import Kafka
import Ledger
import Postgres
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// The ledger stage while its PostgreSQL server restarts, on a private cluster of its own (so
/// the restart disturbs no other test).
@Suite(.serialized) struct DatabaseFaultTests {
    @Test func theLedgerStaysExactThroughAPostgreSQLRestart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pg-restart-\(UUID().uuidString.prefix(8))")
        // Socket only, so the port number names a socket file in the folder and cannot collide.
        let environment = ["ROUTELEDGER_PG_LISTEN": "", "ROUTELEDGER_PG_PORT": "54341"]
        _ = try PostgresTestServer.runClusterScript(["start", folder.path], environment: environment)
        defer {
            _ = try? PostgresTestServer.runClusterScript(["stop", folder.path], environment: environment)
            try? FileManager.default.removeItem(at: folder)
        }
        let url = try PostgresTestServer.runClusterScript(["url", folder.path], environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let database = try PostgresSettings(url)
        _ = try Migrator(roles: try SchemaRoles()).migrate(try PostgresConnection(database))

        let broker = try TestKafkaBroker(partitions: 4)
        var configuration = strongAndWeakConfiguration(weakPerMillion: (input: "1", output: "2"))
        try configuration.useTopics(of: broker, prefix: TestKafkaBroker.uniqueName("pg-restart"))

        // Whole micro-dollars per token: the expected savings are plain integer arithmetic.
        let decisions = 6_000
        var expectedSavings: Int64 = 0
        func send(_ range: Range<Int>) throws {
            let producer = try KafkaProducer(configuration: broker.producerConfiguration())
            for query in range {
                let strong = query % 4 == 0
                let (input, output) = (Int64(200 + query % 300), Int64(40 + query % 90))
                expectedSavings += (input * 10 + output * 30) - (strong ? input * 10 + output * 30 : input + output * 2)
                let model = strong ? "strong" : "weak"
                try producer.send(topic: configuration.topics.decisions, key: Data("q\(query)".utf8), value: Data("""
                    {"schema":"routeledger.decision.v1","decision_id":"d\(query)","query_id":"q\(query)","tenant":"t",\
                    "model":"\(model)","reference_model":"strong","candidates":[{"model":"weak","reference_win_rate":0.4}],\
                    "threshold":0.5,"router_version":"v1","estimated_input_tokens":1,"estimated_output_tokens":1,\
                    "decided_at":"2026-11-24T10:00:00Z"}
                    """.utf8))
                try producer.send(topic: configuration.topics.usage, key: Data("q\(query)".utf8), value: Data("""
                    {"schema":"routeledger.usage.v1","query_id":"q\(query)","tenant":"t","model":"\(model)",\
                    "input_tokens":\(input),"output_tokens":\(output),"completed_at":"2026-11-24T10:00:05Z"}
                    """.utf8))
            }
            try producer.flush(timeout: .seconds(60)).requireDelivered()
        }
        try send(0..<decisions / 2)

        func rowsWithUsage() -> Int {
            (try? PostgresConnection(database).count("SELECT count(*) AS n FROM ledger WHERE actual_cost IS NOT NULL")) ?? -1
        }
        func waitUntil(_ condition: () -> Bool) -> Bool {
            let deadline = ContinuousClock.now + .seconds(180)
            while !condition(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
            return condition()
        }
        let shutdown = ShutdownSignal(signals: [])
        let stage = LedgerStage(configuration: configuration, database: database, shutdown: shutdown,
                                log: StageLog(component: "ledger", minimumLevel: .error))
        try running(stage, shutdown: shutdown) {
            #expect(waitUntil { rowsWithUsage() >= 500 })
            _ = try PostgresTestServer.runClusterScript(["stop", folder.path], environment: environment)
            #expect(rowsWithUsage() == -1, "the server is down")
            try send(decisions / 2..<decisions)
            Thread.sleep(forTimeInterval: 2)
            _ = try PostgresTestServer.runClusterScript(["start", folder.path], environment: environment)
            #expect(waitUntil { rowsWithUsage() == decisions })
        }
        let connection = try PostgresConnection(database)
        #expect(try connection.count("SELECT count(DISTINCT decision_id) AS n FROM ledger") == decisions)
        #expect(try connection.count("SELECT count(*) AS n FROM ledger") == decisions)
        #expect(try connection.query("SELECT sum(savings) AS savings FROM ledger")[0].decode(PostgresNumeric.self, column: "savings").units(scale: 6) == expectedSavings)
    }
}
