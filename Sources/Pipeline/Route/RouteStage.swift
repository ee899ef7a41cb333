import Embeddings
import Foundation
import Kafka
import Synchronization

/// The route stage: reads query events in micro-batches, routes each batch, and produces every
/// decision to `llm.route.<model>` and `llm.decisions` (rejects to the dead-letter topic) before
/// the batch's input offsets are committed.
///
/// Guarantees: at least once always — offsets are committed only after every output of the batch
/// is acknowledged, so a crash replays the batch and nothing is lost. With `exactly_once`, the
/// outputs and the offsets go in one Kafka transaction, so a `read_committed` reader sees each
/// decision once. Any Kafka failure restarts the consumer and producer from the committed
/// offsets after a back-off; the replayed decisions keep their ids.
public final class RouteStage: Sendable {
    private let configuration: RouteLedgerConfiguration
    private let embedder: (any Embedder)?
    private let snapshot: Mutex<RouterSnapshot>
    private let shutdown: ShutdownSignal
    private let log: StageLog
    public let counters: StageCounters

    public init(configuration: RouteLedgerConfiguration, embedder: (any Embedder)?, snapshot: RouterSnapshot,
                shutdown: ShutdownSignal, metrics: MetricsRegistry = MetricsRegistry(),
                log: StageLog = StageLog(component: "route")) {
        self.configuration = configuration
        self.embedder = embedder
        self.snapshot = Mutex(snapshot)
        self.shutdown = shutdown
        self.log = log
        counters = StageCounters(metrics: metrics)
        metrics.set("routeledger_router_info", help: "The router in use (labels); always 1.",
                    labels: ["ratings_version": snapshot.ratingsVersion, "router_version": configuration.routing.routerVersion], to: 1)
    }

    /// True once the stage has consumed its first batch or polled without error.
    public var isConsuming: Bool { counters.isConsuming }

    /// Replaces the router for the batches that follow (new battles or ratings).
    public func swap(_ next: RouterSnapshot) {
        snapshot.withLock { $0 = next }
    }

    /// The router the next batch will be routed with.
    public var snapshotInUse: RouterSnapshot {
        snapshot.withLock { $0 }
    }

    /// Runs until shutdown is requested; the batch in flight is finished and committed first.
    public func run() throws {
        let processor = RouteBatchProcessor(configuration: configuration, embedder: embedder)
        try runRestarting({ try runSession(processor) }, shutdown: shutdown, log: log,
                          message: "kafka failure; restarting from the committed offsets")
    }

    /// One consumer and producer, from start (or restart) until shutdown or a failure.
    private func runSession(_ processor: RouteBatchProcessor) throws {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration())
        let producer = try KafkaProducer(configuration: producerConfiguration())
        if configuration.exactlyOnce { try producer.initTransactions(timeout: .seconds(60)) }
        try consumer.subscribe(topics: [configuration.topics.queries])
        log(.info, "consuming", ["topic": configuration.topics.queries, "group": configuration.kafka.groupID,
                                 "exactly_once": configuration.exactlyOnce])
        var closed = false
        defer {
            counters.setConsuming(false)
            if !closed { try? consumer.close() }
        }
        while !shutdown.isRequested {
            let messages = try consumer.poll(maxMessages: configuration.batch.maxEvents,
                                             timeout: .milliseconds(max(configuration.batch.lingerMilliseconds, 1)))
            counters.setConsuming(true)
            guard !messages.isEmpty else { continue }
            let started = ContinuousClock.now
            let inputs = messages.map { message in
                InputRecord(source: KafkaCoordinates(topic: message.topic, partition: message.partition.rawValue,
                                                     offset: message.offset.rawValue),
                            key: message.key, value: message.value)
            }
            let result = processor.process(inputs, with: snapshot.withLock { $0 })
            let offsets = KafkaTopicPartitionOffset.committing(messages)
            if configuration.exactlyOnce {
                try producer.beginTransaction()
                do {
                    try send(result.records, with: producer)
                    try producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata(), timeout: .seconds(60))
                    try producer.commitTransaction(timeout: .seconds(60))
                } catch {
                    try? producer.abortTransaction(timeout: .seconds(60))
                    throw error
                }
            } else {
                try send(result.records, with: producer)
                try producer.flush(timeout: .seconds(120)).requireDelivered()
                try consumer.commit(offsets)
            }
            counters.record(result, events: messages.count, latency: ContinuousClock.now - started)
        }
        closed = true
        try consumer.close()
        log(.info, "stopped", ["reason": shutdown.reason ?? "shutdown", "routed": counters.snapshot().routed])
    }

    private func send(_ records: [OutputRecord], with producer: KafkaProducer) throws {
        for record in records {
            try producer.send(topic: record.topic, key: record.key, value: record.value)
        }
    }

    private func consumerConfiguration() -> KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers,
                                                  groupID: configuration.kafka.groupID)
        consumer.properties = KafkaProperties(configuration.kafka.properties.merging(configuration.kafka.consumerProperties) { $1 }
            .map { ($0.key, $0.value) })
        return consumer
    }

    private func producerConfiguration() -> KafkaProducerConfiguration {
        let transactionalID = configuration.exactlyOnce ? configuration.kafka.transactionalID : nil
        var producer = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers,
                                                  transactionalID: transactionalID)
        producer.properties = KafkaProperties(configuration.kafka.properties.merging(configuration.kafka.producerProperties) { $1 }
            .map { ($0.key, $0.value) })
        return producer
    }
}

/// What a stage has done so far, for logs, benchmarks and the metrics endpoint.
public final class StageCounters: Sendable {
    public struct Snapshot: Sendable {
        public var events = 0
        public var routed = 0
        public var rejected: [EventRejection.Kind: Int] = [:]
        public var batches = 0
        public var strongDecisions = 0
        /// Per-batch processing latencies, seconds (most recent 10,000 batches).
        public var batchLatencies: [Double] = []
    }

    private let state = Mutex(Snapshot())
    private let consuming = Atomic(false)
    private let metrics: MetricsRegistry

    init(metrics: MetricsRegistry) {
        self.metrics = metrics
    }

    var isConsuming: Bool { consuming.load(ordering: .acquiring) }

    func setConsuming(_ value: Bool) {
        consuming.store(value, ordering: .releasing)
    }

    func record(_ result: RouteBatchResult, events: Int, latency: Duration) {
        let components = latency.components
        let seconds = Double(components.seconds) + Double(components.attoseconds) * 1e-18
        let snapshot = state.withLock { state in
            state.events += events
            state.routed += result.decisions.count
            state.batches += 1
            state.strongDecisions += result.decisions.count { $0.model == $0.referenceModel }
            for (kind, count) in result.rejections { state.rejected[kind, default: 0] += count }
            state.batchLatencies.append(seconds)
            if state.batchLatencies.count > 10_000 { state.batchLatencies.removeFirst(state.batchLatencies.count - 10_000) }
            return state
        }
        metrics.increment("routeledger_events_total", help: "Query events read by the route stage.", labels: ["stage": "route"],
                          by: Double(events))
        for decision in result.decisions {
            metrics.increment("routeledger_decisions_total", help: "Decisions produced, by chosen model.", labels: ["model": decision.model])
            metrics.increment("routeledger_estimated_savings_micro_usd_total",
                              help: "Estimated reference cost minus estimated cost of the decisions, micro-dollars.",
                              by: Double(decision.referenceCostMicroUSD - decision.estimatedCostMicroUSD))
        }
        for (kind, count) in result.rejections {
            metrics.increment("routeledger_dead_letters_total", help: "Events sent to the dead-letter topic, by reason.",
                              labels: ["stage": "route", "reason": kind.rawValue], by: Double(count))
        }
        metrics.observe("routeledger_batch_size", help: "Events per micro-batch.", bounds: [1, 8, 32, 64, 128, 256, 512, 1024],
                        Double(events))
        metrics.observe("routeledger_batch_seconds", help: "Time from a batch's poll to its commit: the longest a decision waited in the stage.",
                        bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], seconds)
        if snapshot.routed > 0 {
            metrics.set("routeledger_strong_share", help: "Share of decisions that chose the reference model.",
                        to: Double(snapshot.strongDecisions) / Double(snapshot.routed))
        }
    }

    public func snapshot() -> Snapshot {
        state.withLock { $0 }
    }
}
