import Foundation
import Kafka
import Ledger
import Postgres
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// The ledger stage against a Kafka-protocol broker and a real PostgreSQL server.
@Suite(.serialized) struct LedgerStageTests {
    /// Prices chosen so every cost is a whole number of micro-dollars (strong $10 / $30 per
    /// million tokens: 10 and 30 µ$ a token; weak $1 / $2: 1 and 2 µ$ a token), so the test's
    /// own arithmetic needs no rounding rule.
    static func configuration(_ broker: TestKafkaBroker) throws -> RouteLedgerConfiguration {
        var configuration = strongAndWeakConfiguration(weakPerMillion: (input: "1", output: "2"))
        try configuration.useTopics(of: broker, prefix: TestKafkaBroker.uniqueName("ledger"))
        return configuration
    }

    static func cost(_ model: String, input: Int64, output: Int64) -> Int64 {
        model == "strong" ? input * 10 + output * 30 : input + output * 2
    }

    static func decision(_ query: Int, model: String) -> Data {
        Data("""
            {"schema":"routeledger.decision.v1","decision_id":"d\(query)","query_id":"q\(query)","tenant":"t\(query % 3)",
             "model":"\(model)","reference_model":"strong","candidates":[{"model":"weak","reference_win_rate":0.4},
             {"model":"strong","reference_win_rate":0.5}],"threshold":0.45,"router_kind":"sw_ranking","router_version":"v1",
             "memory_battles":10,"ratings_version":"r1","embedder":"given","estimated_input_tokens":1000,
             "estimated_output_tokens":500,"estimated_cost_micro_usd":0,"reference_cost_micro_usd":0,
             "source":{"topic":"q","partition":0,"offset":\(query)},"created_at":"2026-11-24T10:00:00Z",
             "decided_at":"2026-11-24T10:00:01Z"}
            """.utf8)
    }

    static func usage(_ query: Int, model: String, input: Int64, output: Int64) -> Data {
        Data("""
            {"schema":"routeledger.usage.v1","query_id":"q\(query)","tenant":"t\(query % 3)","model":"\(model)",
             "input_tokens":\(input),"output_tokens":\(output),"completed_at":"2026-11-24T10:00:09Z"}
            """.utf8)
    }

    static func send(_ records: [(topic: String, key: String, value: Data)], broker: TestKafkaBroker) throws {
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for record in records { try producer.send(topic: record.topic, key: Data(record.key.utf8), value: record.value) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
    }

    static func waitUntil(_ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    /// A decision waits for the report that names it and goes in with it, as one complete row;
    /// while it waits, the offset stored for its partition stays before it, so a decision held
    /// when the stage stops is read again by the next run.
    @Test func aDecisionWaitsForItsReportAndItsOffsetIsNotStoredPastIt() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            var configuration = try Self.configuration(broker)
            configuration.ledger.pairingWindowMilliseconds = 600_000
            let topics = configuration.topics
            let connection = try database.connect()
            func rows() throws -> [(String, Bool)] {
                try connection.query("SELECT decision_id, actual_cost IS NOT NULL AS has_usage FROM ledger ORDER BY decision_id").map {
                    (try $0.decode(String.self, column: "decision_id"), try $0.decode(Bool.self, column: "has_usage"))
                }
            }
            func storedDecisionsOffset() throws -> Int64? {
                try ConsumerOffsetStore(group: configuration.ledger.groupID, on: connection).read()
                    .first { $0.key.topic == topics.decisions }?.value
            }
            let named = Data("""
                {"schema":"routeledger.usage.v1","query_id":"q1","tenant":"t1","model":"weak","decision_id":"d1",
                 "input_tokens":10,"output_tokens":20,"completed_at":"2026-11-24T10:00:09Z"}
                """.utf8)

            let metrics = MetricsRegistry()
            let shutdown = ShutdownSignal(signals: [])
            let stage = LedgerStage(configuration: configuration, database: database.settings, shutdown: shutdown,
                                    metrics: metrics, log: StageLog(component: "ledger", minimumLevel: .warning))
            try running(stage, shutdown: shutdown) {
                try Self.send([(topics.decisions, "t1", Self.decision(1, model: "weak"))], broker: broker)
                #expect(Self.waitUntil { stage.counters.snapshot().heldForPairing == 1 })
                #expect(metrics.total(.ledgerPairingHeld) == 1)
                #expect(try rows().isEmpty && storedDecisionsOffset() ?? 0 == 0)

                try Self.send([(topics.usage, "t1", named), (topics.decisions, "t2", Self.decision(2, model: "weak"))], broker: broker)
                #expect(Self.waitUntil { stage.counters.snapshot().usageRecorded == 1 })
                #expect(stage.counters.snapshot().usageWithDecision == 1)
                #expect(try rows().map(\.0) == ["d1"] && rows()[0].1)
                // d2 waits now: the decisions partition's offset stops at it.
                #expect(Self.waitUntil { stage.counters.snapshot().heldForPairing == 1 })
                #expect(try storedDecisionsOffset() == 1)
            }

            // The next run, pairing off, reads d2 again and writes it alone.
            configuration.ledger.pairingWindowMilliseconds = 0
            let again = ShutdownSignal(signals: [])
            let restarted = LedgerStage(configuration: configuration, database: database.settings, shutdown: again,
                                        log: StageLog(component: "ledger", minimumLevel: .warning))
            try running(restarted, shutdown: again) {
                #expect(Self.waitUntil { restarted.counters.snapshot().rowsRecorded == 1 })
            }
            #expect(try rows().map(\.0) == ["d1", "d2"] && !rows()[1].1)
            #expect(try storedDecisionsOffset() == 2)
        }
    }

    /// 40 decisions, usage for each (some before their decision), one decision delivered twice,
    /// a malformed decision and a usage report naming another model than its decision's: every
    /// decision recorded once, that report's spend booked at the model it names, savings to the
    /// micro-dollar, the malformed record dead-lettered; a second stage instance after a restart
    /// records only what is new.
    @Test func recordsEachDecisionOnceWithItsActualCostAndDeadLettersWhatItCannotRead() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 2)
            let configuration = try Self.configuration(broker)
            let topics = configuration.topics
            var expectedSavings: Int64 = 0
            var records: [(topic: String, key: String, value: Data)] = []
            for query in 0..<40 {
                let model = query % 4 == 0 ? "strong" : "weak"
                let (input, output) = (Int64(900 + query), Int64(300 + 7 * query))
                let usage = (topics.usage, "t\(query % 3)", Self.usage(query, model: model, input: input, output: output))
                let decision = (topics.decisions, "t\(query % 3)", Self.decision(query, model: model))
                if query == 5 {
                    // Usage naming the strong model for a weak decision, sent first so that it
                    // waits for its decision in the holding table: booked at the strong price
                    // when the decision arrives (the worker's spend), so nothing saved.
                    records += [(topics.usage, "t2", Self.usage(query, model: "strong", input: input, output: output)), decision]
                    continue
                }
                records += query < 8 ? [usage, decision] : [decision, usage]
                if query == 11 { records.append(decision) }
                expectedSavings += Self.cost("strong", input: input, output: output) - Self.cost(model, input: input, output: output)
            }
            records.append((topics.decisions, "t0", Data("{not json".utf8)))
            try Self.send(records, broker: broker)

            let connection = try database.connect()
            func ledgerRows() throws -> Int { try connection.count("SELECT count(*) AS n FROM ledger") }
            func savings() throws -> Int64 {
                try connection.query("SELECT coalesce(sum(savings), 0) AS savings FROM ledger")[0].decode(PostgresNumeric.self, column: "savings").units(scale: 6)!
            }
            let shutdown = ShutdownSignal(signals: [])
            let stage = LedgerStage(configuration: configuration, database: database.settings, shutdown: shutdown,
                                    log: StageLog(component: "ledger", minimumLevel: .warning))
            try running(stage, shutdown: shutdown) {
                #expect(Self.waitUntil { stage.counters.snapshot().usageRecorded == 40 && stage.counters.snapshot().rejected.count == 1 })
            }
            #expect(try ledgerRows() == 40)
            #expect(try savings() == expectedSavings)
            #expect(stage.counters.snapshot().rejected == [.malformedJSON: 1])
            let differing = try connection.query("SELECT query_id, usage_model, actual_cost FROM ledger WHERE usage_model IS NOT NULL")
            #expect(differing.count == 1)
            #expect(try differing.first?.decode(String.self, column: "query_id") == "q5" && differing.first?.decode(String.self, column: "usage_model") == "strong")
            #expect(try differing.first?.decode(PostgresNumeric.self, column: "actual_cost").units(scale: 6) == Self.cost("strong", input: 905, output: 335))

            let deadLetters = try RouteStageHarness.readAll(topics.deadLetter, broker: broker, count: 1)
            let kinds = try deadLetters.map { try #require(try JSONSerialization.jsonObject(with: $0.value) as? [String: Any])["error_kind"] as? String }
            #expect(kinds == ["malformed_json"])

            // Restarted, the stage starts at the offsets stored in PostgreSQL: two more decisions
            // and their usage are recorded, nothing else twice.
            try Self.send([(topics.decisions, "t1", Self.decision(40, model: "weak")), (topics.decisions, "t2", Self.decision(41, model: "strong")),
                           (topics.usage, "t1", Self.usage(40, model: "weak", input: 10, output: 10)),
                           (topics.usage, "t2", Self.usage(41, model: "strong", input: 10, output: 10))], broker: broker)
            expectedSavings += Self.cost("strong", input: 10, output: 10) - Self.cost("weak", input: 10, output: 10)
            let again = ShutdownSignal(signals: [])
            let restarted = LedgerStage(configuration: configuration, database: database.settings, shutdown: again,
                                        log: StageLog(component: "ledger", minimumLevel: .warning))
            try running(restarted, shutdown: again) {
                #expect(Self.waitUntil { restarted.counters.snapshot().usageRecorded == 2 })
            }
            #expect(try ledgerRows() == 42)
            #expect(try savings() == expectedSavings)
            #expect(restarted.counters.snapshot().rejected.isEmpty && restarted.counters.snapshot().rowsRecorded == 2)
        }
    }
}
