import Foundation
import Kafka
import Ledger
import Postgres
import Streams
import Testing
import TestSupport

/// `audit reconcile --config` notices a ledger that records nothing while its topics fill:
/// a stage that is down or keeps failing on one record stores no offset past it.
@Suite struct ReconcileStallTests {
    @Test func reconcileReportsALedgerWhoseOldestUnrecordedRecordIsTooOld() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            let prefix = TestKafkaBroker.uniqueName("stall")
            let (decisionsTopic, usageTopic) = ("\(prefix).decisions", "\(prefix).usage")
            try broker.createTopics([decisionsTopic, usageTopic], partitions: 1)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stall-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let configuration = folder.appendingPathComponent("routeledger.json")
            try Data("""
                {"kafka": {"bootstrap_servers": "\(broker.bootstrapServers)"},
                 "topics": {"decisions": "\(decisionsTopic)", "usage": "\(usageTopic)"},
                 "models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                            {"name": "weak", "input_per_million": "1", "output_per_million": "2"}],
                 "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
                 "ledger": {"group_id": "\(prefix).ledger"},
                 "memory": "database"}
                """.utf8).write(to: configuration)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration())
            for n in 0..<3 {
                try producer.send(topic: decisionsTopic, key: nil, value: Data("""
                    {"schema":"routeledger.decision.v1","decision_id":"d\(n)","query_id":"q\(n)","tenant":"t","model":"weak",\
                    "reference_model":"strong","candidates":[{"model":"weak","reference_win_rate":0.4}],"threshold":0.5,\
                    "router_version":"v1","estimated_input_tokens":10,"estimated_output_tokens":10,"decided_at":"2026-11-24T10:00:00Z"}
                    """.utf8))
            }
            try producer.flush(timeout: .seconds(30)).requireDelivered()
            Thread.sleep(forTimeInterval: 2.5)
            let arguments = ["audit", "reconcile", "--config", configuration.path, "--database", database.connectionString,
                             "--stall-after", "1", "--wait", "30"]

            let stalled = try RouteLedgerTool.run(arguments)
            #expect(stalled.status == 1, "\(stalled.output)\(stalled.error)")
            #expect(stalled.output.contains("progress: 3 records on \(decisionsTopic) and \(usageTopic) not yet recorded, 1 partitions stalled"),
                    "\(stalled.output)")
            #expect(stalled.output.contains("ledger stalled: \(decisionsTopic)[0] has 3 records past its stored offset 0; the oldest was produced"))

            // Recorded, with the offset after them: nothing is left behind and nothing stalls.
            let connection = try database.connect()
            try PriceBook.record(configured: [("strong", TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
                                              ("weak", TokenPrice(inputPerMillion: MicroUSD(dollars: "1")!, outputPerMillion: MicroUSD(dollars: "2")!))],
                                 on: connection)
            let decisions = try (0..<3).map { n in
                try LedgerDecision(decisionID: "d\(n)", queryID: "q\(n)", tenant: "t", decidedAt: PostgresTimestamp(try Date("2026-11-24T10:00:00Z", strategy: .iso8601)),
                                   chosenModel: "weak", referenceModel: "strong", routerVersion: "v1", threshold: 0.5, strongWinRate: 0.4,
                                   estimatedInputTokens: 10, estimatedOutputTokens: 10,
                                   position: RecordPosition(topic: decisionsTopic, partition: 0, offset: Int64(n)))
            }
            try LedgerWriter(connection: connection, consumerGroup: "\(prefix).ledger")
                .write(LedgerBatch(decisions: decisions, nextOffsets: [RecordPosition(topic: decisionsTopic, partition: 0, offset: 3)]))
            let caughtUp = try RouteLedgerTool.run(arguments)
            #expect(caughtUp.status == 0, "\(caughtUp.output)\(caughtUp.error)")
            #expect(caughtUp.output.contains("progress: 0 records on \(decisionsTopic) and \(usageTopic) not yet recorded, none older than 1 s"))
        }
    }
}
