import Foundation
import Kafka
import Postgres
import Testing
import TestSupport

/// A ledger stage's world for the command tests: topics of their own on the embedded broker, a
/// run configuration naming them and a fresh database (models "strong" and "weak" priced, by
/// default at $10 / $30 and $1 / $2 per million tokens), and records sent as a route stage and
/// its workers would send them.
struct LedgerStageFixture {
    let database: TestDatabase
    let topics: (decisions: String, usage: String, deadLetter: String)
    let configuration: URL
    let producer: KafkaProducer
    /// Held for as long as the fixture: the broker stops when it is released.
    private let broker: TestKafkaBroker
    private let folder: URL

    static let defaultModels = """
        [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
         {"name": "weak", "input_per_million": "1", "output_per_million": "2"}]
        """

    /// `models`: the configuration's models, as JSON.
    init(database: TestDatabase, name: String, models: String = defaultModels) throws {
        self.database = database
        broker = try TestKafkaBroker(partitions: 1)
        let prefix = TestKafkaBroker.uniqueName(name)
        topics = (decisions: "\(prefix).decisions", usage: "\(prefix).usage", deadLetter: "\(prefix).deadletter")
        try broker.createTopics([topics.decisions, topics.usage, topics.deadLetter], partitions: 1)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        configuration = folder.appendingPathComponent("routeledger.json")
        try Data("""
            {"kafka": {"bootstrap_servers": "\(broker.bootstrapServers)",
                       "consumer_properties": {"session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"}},
             "topics": {"decisions": "\(topics.decisions)", "usage": "\(topics.usage)", "deadletter": "\(topics.deadLetter)"},
             "models": \(models),
             "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
             "ledger": {"group_id": "\(prefix).ledger", "pairing_window_ms": 0},
             "database": {"url": \(String(decoding: try JSONEncoder().encode(database.connectionString), as: UTF8.self))},
             "memory": "database"}
            """.utf8).write(to: configuration)
        producer = try KafkaProducer(configuration: broker.producerConfiguration())
    }

    func removeFiles() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A decision record of tenant acme, 1,000 input and 100 output tokens estimated; `extra`
    /// holds more fields (`"created_at":…`), each followed by a comma.
    func sendDecision(id: String, query: String, model: String, routerVersion: String = "v1", extra: String = "") throws {
        try producer.send(topic: topics.decisions, key: nil, value: Data("""
            {"schema":"routeledger.decision.v1",\(extra)"decision_id":"\(id)","query_id":"\(query)","tenant":"acme","model":"\(model)",\
            "reference_model":"strong","candidates":[{"model":"\(model)","reference_win_rate":0.4}],"threshold":0.5,\
            "router_version":"\(routerVersion)","estimated_input_tokens":1000,"estimated_output_tokens":100,"decided_at":"2026-11-24T10:00:00Z"}
            """.utf8))
    }

    /// A usage report of tenant acme naming its decision: 2,000 input and 300 output tokens;
    /// `extra` as in `sendDecision`.
    func sendUsage(decision: String, query: String, model: String, extra: String = "") throws {
        try producer.send(topic: topics.usage, key: nil, value: Data("""
            {"schema":"routeledger.usage.v1",\(extra)"decision_id":"\(decision)","query_id":"\(query)","tenant":"acme","model":"\(model)",\
            "input_tokens":2000,"output_tokens":300,"completed_at":"2026-11-24T10:00:05Z"}
            """.utf8))
    }

    /// Runs a ledger stage until `done` holds (or two minutes pass), a second more, then stops it.
    func runLedgerStage(until done: (PostgresConnection) throws -> Bool) throws {
        try producer.flush(timeout: .seconds(30)).requireDelivered()
        let connection = try database.connect()
        let stage = try RouteLedgerTool.start(["run", "--config", configuration.path, "--stages", "ledger", "--metrics-port", "0"])
        defer { if stage.isRunning { kill(stage.processIdentifier, SIGKILL) } }
        let deadline = ContinuousClock.now + .seconds(120)
        while try !done(connection), ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 1)
        stage.terminate()
        #expect(RunCommandTests.waitForExit(stage, within: .seconds(30)))
    }

    /// The first `count` dead letters, each as `error_kind: message` under `topic@offset`.
    func deadLetters(count: Int) throws -> [String: String] {
        try DeadLetters.read(topics.deadLetter, broker: broker, count: count)
    }

    var reconcile: [String] {
        ["audit", "reconcile", "--config", configuration.path, "--database", database.connectionString, "--wait", "30"]
    }

    func retryDeadLetters(_ reasons: String? = nil) -> [String] {
        ["ledger", "retry-deadletters", "--config", configuration.path, "--wait", "30"] + (reasons.map { ["--reason", $0] } ?? [])
    }
}
