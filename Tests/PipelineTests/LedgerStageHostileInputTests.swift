import Foundation
import Kafka
import Ledger
import Postgres
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// Records built to stop the ledger: each must go to the dead-letter topic with its reason
/// while every other record of its batch is recorded and the stored offsets move past it.
extension LedgerStageTests {
    private static func storedOffsets(_ configuration: RouteLedgerConfiguration, on connection: PostgresConnection) throws -> [String: Int64] {
        Dictionary(try ConsumerOffsetStore(group: configuration.ledger.groupID, on: connection).read().map { ($0.key.topic, $0.value) },
                   uniquingKeysWith: +)
    }

    /// A report naming a decision id thousands of characters long (which no btree entry can
    /// hold) and reports with U+0000 in their tenant are refused when read, by the same bounds
    /// the route stage applies; the decisions and reports around them are recorded.
    @Test func identifiersBeyondTheBoundsAreDeadLetteredAndTheLedgerMovesOn() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            let configuration = try Self.configuration(broker)
            let topics = configuration.topics
            let longID = String(repeating: "x", count: 5_000)
            let hostile = [
                Data(#"{"schema":"routeledger.usage.v1","query_id":"q-none","tenant":"t0","model":"weak","decision_id":"\#(longID)","input_tokens":1,"output_tokens":1,"completed_at":"2026-11-24T10:00:09Z"}"#.utf8),
                Data(#"{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"t\u0000","model":"weak","input_tokens":1,"output_tokens":1,"completed_at":"2026-11-24T10:00:09Z"}"#.utf8),
            ]
            var records = hostile.map { (topic: topics.usage, key: "t0", value: $0) }
            for query in 0..<10 {
                records += [(topics.decisions, "t", Self.decision(query, model: "weak")),
                            (topics.usage, "t", Self.usage(query, model: "weak", input: 100, output: 10))]
            }
            try Self.send(records, broker: broker)

            let connection = try database.connect()
            let shutdown = ShutdownSignal(signals: [])
            let stage = LedgerStage(configuration: configuration, database: database.settings, shutdown: shutdown,
                                    log: StageLog(component: "ledger", minimumLevel: .error))
            try running(stage, shutdown: shutdown) {
                #expect(Self.waitUntil { stage.counters.snapshot().usageRecorded == 10 })
            }
            #expect(try connection.count("SELECT count(*) AS n FROM ledger WHERE actual_cost IS NOT NULL") == 10)
            #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 0)
            #expect(try Self.storedOffsets(configuration, on: connection) == [topics.decisions: 10, topics.usage: 12])
            let letters = try DeadLetters.read(topics.deadLetter, broker: broker, count: 2)
            #expect(letters["\(topics.usage)@0"]?.hasPrefix("invalid_field: 'decision_id' is 5000 characters long; the limit is 256") == true)
            #expect(letters["\(topics.usage)@1"]?.hasPrefix("invalid_field: 'tenant' contains the control character U+0000") == true)
        }
    }

    /// Whatever the parsers let through, a value the server refuses (here a constraint the test
    /// adds, standing for any per-row error) costs only its own record: the batch is split
    /// until the refused record is alone, that one is dead-lettered with the SQLSTATE, and the
    /// rest of the batch is recorded once, in the same transaction as the offsets after it.
    @Test func aRecordThatPostgreSQLRefusesIsDeadLetteredAndTheRestOfItsBatchIsRecorded() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            let configuration = try Self.configuration(broker)
            let topics = configuration.topics
            let connection = try database.connect()
            try connection.executeScript("ALTER TABLE ledger ADD CONSTRAINT refuse_q13 CHECK (query_id <> 'q13')")
            var records: [(topic: String, key: String, value: Data)] = []
            for query in 0..<30 {
                records += [(topics.decisions, "t", Self.decision(query, model: "weak")),
                            (topics.usage, "t", Self.usage(query, model: "weak", input: 100, output: 10))]
            }
            try Self.send(records, broker: broker)

            let shutdown = ShutdownSignal(signals: [])
            let stage = LedgerStage(configuration: configuration, database: database.settings, shutdown: shutdown,
                                    log: StageLog(component: "ledger", minimumLevel: .error))
            try running(stage, shutdown: shutdown) {
                #expect(Self.waitUntil {
                    let counters = stage.counters.snapshot()
                    return counters.rowsRecorded == 29 && counters.rejected[.refusedByDatabase] == 1
                })
                // The report of the refused decision waits for it; nothing else does.
                #expect(Self.waitUntil { (try? connection.query("SELECT query_id FROM usage_awaiting_decision")
                    .map { try $0.decode(String.self, column: "query_id") }) == ["q13"] })
            }
            let ids = try connection.query("SELECT query_id FROM ledger WHERE actual_cost IS NOT NULL ORDER BY kafka_offset").map {
                try $0.decode(String.self, column: "query_id")
            }
            #expect(ids == (0..<30).filter { $0 != 13 }.map { "q\($0)" })
            #expect(try Self.storedOffsets(configuration, on: connection) == [topics.decisions: 30, topics.usage: 30])
            let letters = try DeadLetters.read(topics.deadLetter, broker: broker, count: 1)
            let letter = try #require(letters["\(topics.decisions)@13"])
            #expect(letter.hasPrefix("refused_by_database: PostgreSQL refused it:") && letter.contains("[23514]") && letter.contains("refuse_q13"))
        }
    }
}

extension LedgerStageTests {
    private static func report(query: String, tenant: String, model: String, decision: String?, input: Int64) -> Data {
        Data("""
            {"schema":"routeledger.usage.v1","query_id":"\(query)","tenant":"\(tenant)","model":"\(model)",\
            \(decision.map { "\"decision_id\":\"\($0)\"," } ?? "")"input_tokens":\(input),"output_tokens":10,\
            "completed_at":"2026-11-24T10:00:09Z"}
            """.utf8)
    }

    /// Spend is never dropped for disagreeing with its decision: a worker that answered with
    /// another model is billed at that model and the row names it; a report naming another query
    /// is booked on the decision it names, flagged; a report of another tenant is not billed to
    /// this one.
    @Test func reportsThatDisagreeWithTheirDecisionAreBookedWithWhatDiffered() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            var configuration = try Self.configuration(broker)
            configuration.ledger.pairingWindowMilliseconds = 0
            let topics = configuration.topics
            // Decisions dN for query qN of tenant t(N % 3), all choosing the weak model.
            try Self.send([(topics.decisions, "t", Self.decision(0, model: "weak")), (topics.decisions, "t", Self.decision(1, model: "weak")),
                           (topics.decisions, "t", Self.decision(2, model: "weak")), (topics.decisions, "t", Self.decision(3, model: "weak"))],
                          broker: broker)
            try Self.send([
                (topics.usage, "t", Self.report(query: "q0", tenant: "t0", model: "strong", decision: "d0", input: 100)),  // fell back to strong
                (topics.usage, "t", Self.report(query: "q-other", tenant: "t1", model: "weak", decision: "d1", input: 200)),  // names another query
                (topics.usage, "t", Self.report(query: "q2", tenant: "t0", model: "weak", decision: "d2", input: 300)),  // another tenant
                (topics.usage, "t", Self.report(query: "q3", tenant: "t0", model: "weak", decision: nil, input: 400)),  // matched by query
            ], broker: broker)

            let connection = try database.connect()
            let shutdown = ShutdownSignal(signals: [])
            let stage = LedgerStage(configuration: configuration, database: database.settings, shutdown: shutdown,
                                    log: StageLog(component: "ledger", minimumLevel: .error))
            try running(stage, shutdown: shutdown) {
                #expect(Self.waitUntil { stage.counters.snapshot().usageRecorded == 3 && stage.counters.snapshot().rejected.count == 1 })
            }
            let rows = try connection.query("""
                SELECT decision_id, actual_cost, usage_model, usage_query_id FROM ledger WHERE actual_cost IS NOT NULL ORDER BY decision_id
                """).map { row in
                (try row.decode(String.self, column: "decision_id"), try row.decode(PostgresNumeric.self, column: "actual_cost").units(scale: 6)!,
                 try row.decode(String?.self, column: "usage_model"), try row.decode(String?.self, column: "usage_query_id"))
            }
            #expect(rows.map(\.0) == ["d0", "d1", "d3"])
            #expect(rows[0].1 == Self.cost("strong", input: 100, output: 10) && rows[0].2 == "strong" && rows[0].3 == nil)
            #expect(rows[1].1 == Self.cost("weak", input: 200, output: 10) && rows[1].2 == nil && rows[1].3 == "q-other")
            #expect(rows[2].1 == Self.cost("weak", input: 400, output: 10) && rows[2].2 == nil && rows[2].3 == nil)
            #expect(stage.counters.snapshot().rejected == [.usageMismatch: 1])
            #expect(try LedgerReconciliation.costDifferences(on: connection).isEmpty)
            #expect(try LedgerReconciliation.rollupDifferences(on: connection).isEmpty)
        }
    }

    /// A report whose decision never comes leaves the holding table after
    /// `ledger.usage_wait_seconds`, for the dead-letter topic, instead of waiting for ever.
    @Test func aReportWhoseDecisionNeverComesExpiresToTheDeadLetterTopic() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            var configuration = try Self.configuration(broker)
            configuration.ledger.pairingWindowMilliseconds = 0
            configuration.ledger.usageWaitSeconds = 1
            let topics = configuration.topics
            let connection = try database.connect()
            func waiting() throws -> Int { try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") }
            let shutdown = ShutdownSignal(signals: [])
            let stage = LedgerStage(configuration: configuration, database: database.settings, shutdown: shutdown,
                                    log: StageLog(component: "ledger", minimumLevel: .error))
            try running(stage, shutdown: shutdown) {
                try Self.send([(topics.usage, "t", Self.report(query: "q-orphan", tenant: "t0", model: "weak", decision: "d-none", input: 5))],
                              broker: broker)
                #expect(Self.waitUntil { (try? waiting()) == 1 })
                Thread.sleep(forTimeInterval: 2.2)
                // The next batch finds it expired.
                try Self.send([(topics.decisions, "t", Self.decision(7, model: "weak"))], broker: broker)
                #expect(Self.waitUntil { stage.counters.snapshot().rejected[.noDecision] == 1 })
            }
            #expect(try waiting() == 0)
            let letters = try DeadLetters.read(topics.deadLetter, broker: broker, count: 1)
            #expect(letters["\(topics.usage)@0"]?.hasPrefix("no_decision: the usage report waited 1 s (ledger.usage_wait_seconds) for its decision, decision d-none") == true)
        }
    }
}
