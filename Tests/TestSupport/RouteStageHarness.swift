import Embeddings
import Foundation
import Kafka
import Pipeline
import Streams

/// A route stage on topics of its own, against a Kafka-protocol broker (librdkafka's mock
/// cluster in process, or the broker named by KAFKA_BOOTSTRAP_SERVERS).
public struct RouteStageHarness {
    public let broker: TestKafkaBroker
    public var configuration: RouteLedgerConfiguration
    public var snapshot: RouterSnapshot
    public var embedder: (any Embedder)?
    public let metrics = MetricsRegistry()

    /// `routing` gives the configuration (its models and routing) and the router; the harness
    /// names the topics and the group, and creates the topics.
    public init(routing: (RouteLedgerConfiguration, RouterSnapshot), embedder: (any Embedder)? = nil, exactlyOnce: Bool = false,
         partitions: Int = 3) throws {
        broker = try TestKafkaBroker(partitions: partitions)
        var (configuration, snapshot) = routing
        try configuration.useTopics(of: broker, prefix: TestKafkaBroker.uniqueName("t"))
        configuration.exactlyOnce = exactlyOnce
        self.configuration = configuration
        self.snapshot = snapshot
        self.embedder = embedder
    }

    /// Runs the stage on its own thread until `body` returns, then stops it.
    @discardableResult
    public func whileRunning<T>(_ body: (RouteStage) throws -> T) throws -> T {
        let shutdown = ShutdownSignal(signals: [])
        let stage = RouteStage(configuration: configuration, embedder: embedder, snapshot: snapshot, shutdown: shutdown, metrics: metrics,
                               log: StageLog(component: "route", minimumLevel: .warning))
        return try running(stage, shutdown: shutdown) { try body(stage) }
    }

    /// Runs the route stage as `routeledger run` builds it (`StageAssembly`), with the price
    /// book's follower when the configuration gives it a database, and a ledger stage if asked,
    /// each on its own thread, until `body` returns; then stops them.
    @discardableResult
    public func whileRunningAssembled<T>(withLedger: Bool = false, _ body: (RouteStage) throws -> T) throws -> T {
        let shutdown = ShutdownSignal(signals: [])
        let assembly = StageAssembly(configuration: configuration, shutdown: shutdown, metrics: metrics,
                                     log: StageLog(component: "test", minimumLevel: .warning))
        let stage = assembly.routeStage(snapshot: snapshot, embedder: embedder)
        var stages: [any PipelineStage] = [stage]
        if let prices = try assembly.priceFollower(for: [stage]) { stages.append(prices) }
        if withLedger { stages.append(try assembly.ledgerStage()) }
        return try running(stages, shutdown: shutdown) { try body(stage) }
    }

    public func send(_ values: [(key: String, value: Data)]) throws {
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for (key, value) in values {
            try producer.send(topic: configuration.topics.queries, key: Data(key.utf8), value: value)
        }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
    }

    public func read(_ topic: String, count: Int) throws -> [KafkaMessage] {
        try Self.readAll(topic, broker: broker, count: count)
    }

    /// The first `count` records of `topic`, read by a consumer group of its own.
    public static func readAll(_ topic: String, broker: TestKafkaBroker, count: Int) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic])
        return try consumer.poll(count: count, within: .seconds(60))
    }
}

extension RouteLedgerConfiguration {
    /// Points the configuration at `broker`, with topics and groups named under `prefix` (so
    /// tests do not see each other's records), creates the topics, and sets the short session
    /// timeout and small batches tests want.
    public mutating func useTopics(of broker: TestKafkaBroker, prefix: String) throws {
        topics.queries = "\(prefix).queries"
        topics.votes = "\(prefix).votes"
        topics.decisions = "\(prefix).decisions"
        topics.deadLetter = "\(prefix).deadletter"
        topics.routePrefix = "\(prefix).route."
        topics.thresholds = "\(prefix).thresholds"
        topics.usage = "\(prefix).usage"
        kafka.bootstrapServers = broker.bootstrapServers
        kafka.groupID = "\(prefix).router"
        kafka.transactionalID = "\(prefix).router-tx"
        learning.groupID = "\(prefix).learn"
        ledger.groupID = "\(prefix).ledger"
        kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"]
        kafka.producerProperties = broker.producerProperties
        batch.maxEvents = 64
        let models = [routing.strong] + routing.cheaper
        try broker.createTopics([topics.queries, topics.votes, topics.decisions, topics.deadLetter, topics.thresholds, topics.usage] + models.map(topics.route(for:)))
    }
}

/// Runs `stage` on its own thread until `body` returns, then raises `shutdown` and waits for it.
public func running<T>(_ stage: any PipelineStage, shutdown: ShutdownSignal, _ body: () throws -> T) throws -> T {
    try running([stage], shutdown: shutdown, body)
}

/// Runs `stages`, each on its own thread, until `body` returns, then raises `shutdown` and waits for them.
public func running<T>(_ stages: [any PipelineStage], shutdown: ShutdownSignal, _ body: () throws -> T) throws -> T {
    let finished = DispatchGroup()
    for stage in stages {
        finished.enter()
        Thread.detachNewThread {
            try? stage.run()
            finished.leave()
        }
    }
    defer {
        shutdown.request(reason: "test over")
        finished.wait()
    }
    return try body()
}
