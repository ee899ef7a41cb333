import Embeddings
import Foundation
import Kafka
@testable import Pipeline

/// A route stage on topics of its own, against a Kafka-protocol broker (librdkafka's mock
/// cluster in process, or the broker named by KAFKA_BOOTSTRAP_SERVERS).
struct RouteStageHarness {
    let broker: TestKafkaBroker
    var configuration: RouteLedgerConfiguration
    var snapshot: RouterSnapshot
    var embedder: (any Embedder)?
    let metrics = MetricsRegistry()

    /// `routing` gives the configuration (its models and routing) and the router; the harness
    /// names the topics and the group, and creates the topics.
    init(routing: (RouteLedgerConfiguration, RouterSnapshot), embedder: (any Embedder)? = nil, exactlyOnce: Bool = false,
         partitions: Int = 3) throws {
        broker = try TestKafkaBroker(partitions: partitions)
        var (configuration, snapshot) = routing
        let prefix = TestKafkaBroker.uniqueName("t")
        configuration.topics.queries = "\(prefix).queries"
        configuration.topics.decisions = "\(prefix).decisions"
        configuration.topics.deadLetter = "\(prefix).deadletter"
        configuration.topics.routePrefix = "\(prefix).route."
        configuration.kafka.bootstrapServers = broker.bootstrapServers
        configuration.kafka.groupID = "\(prefix).router"
        configuration.kafka.transactionalID = "\(prefix).router-tx"
        configuration.kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"]
        if broker.embedded != nil {
            configuration.kafka.producerProperties = EmbeddedBroker.producerProperties.entries.reduce(into: [:]) { $0[$1.key] = $1.value }
        }
        configuration.exactlyOnce = exactlyOnce
        configuration.batch.maxEvents = 64
        let models = [configuration.routing.strong] + configuration.routing.cheaper
        try broker.createTopics([configuration.topics.queries, configuration.topics.decisions, configuration.topics.deadLetter]
                                + models.map(configuration.topics.route(for:)))
        self.configuration = configuration
        self.snapshot = snapshot
        self.embedder = embedder
    }

    /// Runs the stage on its own thread until `body` returns, then stops it.
    @discardableResult
    func whileRunning<T>(_ body: (RouteStage) throws -> T) throws -> T {
        let shutdown = ShutdownSignal(signals: [])
        let stage = RouteStage(configuration: configuration, embedder: embedder, snapshot: snapshot, shutdown: shutdown, metrics: metrics,
                               log: StageLog(component: "route", minimumLevel: .warning))
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? stage.run()
            finished.signal()
        }
        defer {
            shutdown.request(reason: "test over")
            finished.wait()
        }
        return try body(stage)
    }

    func send(_ values: [(key: String, value: Data)]) throws {
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for (key, value) in values {
            try producer.send(topic: configuration.topics.queries, key: Data(key.utf8), value: value)
        }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
    }

    func read(_ topic: String, count: Int) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic])
        return try consumer.poll(count: count, within: .seconds(60))
    }
}
