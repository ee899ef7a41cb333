import Foundation
import Kafka
import Ledger
import Postgres
import Streams

/// The ledger stage: reads decisions and usage reports from Kafka and records them in the
/// PostgreSQL ledger, priced at the prices in effect at decision time, each batch with its
/// offsets in one transaction (`LedgerWriter`).
///
/// Guarantees: every decision is recorded once and every usage report applied once, however
/// often the stage crashes or a record is delivered: the offsets kept in PostgreSQL decide where
/// each partition starts, and the writer skips records below them. Records that cannot be read
/// or priced go to the dead-letter topic before the commit (at least once). Offsets are
/// committed to Kafka too, after PostgreSQL, for tools that watch consumer lag. Any Kafka or
/// PostgreSQL failure restarts the session from the stored offsets after a back-off.
public final class LedgerStage: PipelineStage {
    public var name: String { "ledger" }

    private let configuration: RouteLedgerConfiguration
    private let database: PostgresSettings
    private let shutdown: ShutdownSignal
    private let log: StageLog
    public let counters: LedgerCounters
    /// What `/readyz` answers, fed by the reading thread and the writer.
    let status: StageReadiness

    public init(configuration: RouteLedgerConfiguration, database: PostgresSettings, shutdown: ShutdownSignal,
                metrics: MetricsRegistry = MetricsRegistry(), log: StageLog = StageLog(component: "ledger")) {
        self.configuration = configuration
        self.database = database
        self.shutdown = shutdown
        self.log = log
        counters = LedgerCounters(metrics: metrics, deadLetterTopic: configuration.topics.deadLetter)
        status = StageReadiness(stage: "ledger", stallAfter: .seconds(configuration.stallAfterSeconds), metrics: metrics, log: log)
    }

    /// Ready while it holds its assignment (or knows it was given none), polls, and records
    /// whenever records wait; before that its prices and offsets are loading.
    public func readiness() -> Readiness { status.answer() }

    public func run() throws {
        try runRestarting(runSession, shutdown: shutdown, log: log, message: "failure; restarting from the stored offsets")
    }

    /// The configured prices join the price history (a changed price from now on) when this
    /// role may add prices; a writer may not, and then each configured price the book does not
    /// hold is logged: the ledger charges the book's, which `routeledger prices set` changes.
    private func reconcileConfiguredPrices(on connection: PostgresConnection) throws {
        let configured = configuration.models.map { ($0.name, $0.price) }
        guard try !PriceBook.mayAddPrices(on: connection) else {
            try PriceBook.record(configured: configured, on: connection)
            return
        }
        for (model, price, inEffect) in try PriceBook.differences(from: configured, on: connection) {
            log.configuredPriceDiffers(model: model, configured: price, priceBook: inEffect?.tokenPrice, consequence: "the ledger charges the book's")
        }
    }

    private func runSession() throws {
        let connection = try PostgresConnection(database)
        try reconcileConfiguredPrices(on: connection)
        let writer = try LedgerWriter(connection: connection, consumerGroup: configuration.ledger.groupID,
                                      usageWaitLimit: .seconds(configuration.ledger.usageWaitSeconds))
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: configuration.ledger.groupID))
        let producer = try KafkaProducer(configuration: configuration.kafkaProducer())
        // Partitions start where PostgreSQL says; those it has never seen, at the group's
        // committed offset (or the topic's start).
        let stored = try writer.offsetStore.read()
        let topics = [configuration.topics.decisions, configuration.topics.usage]
        try consumer.subscribe(topics: topics, resumingFrom: stored)
        log(.info, "consuming", ["topics": topics.joined(separator: ","), "group": writer.consumerGroup])

        // Reading (poll, parse, pair) on a thread of its own, writing on this one.
        let handoff = BatchHandoff<PreparedLedgerBatch>()
        let readerStopped = DispatchSemaphore(value: 0)
        let (configuration, counters, log, shutdown, status) = (configuration, counters, log, shutdown, status)
        Thread.detachNewThread {
            var watch = PollWatch(status, metrics: counters.metrics, log: log)
            var reader = LedgerBatchReader(consumer: consumer, configuration: configuration, stored: stored)
            do {
                while !shutdown.isRequested && !handoff.isCancelled {
                    let prepared = try reader.next()
                    counters.setHeldForPairing(reader.held)
                    _ = try watch.polled(consumer)
                    if let prepared, !handoff.put(prepared) { break }
                }
                handoff.finish()
            } catch {
                handoff.finish(error)
            }
            watch.ended(stopping: shutdown.isRequested)
            readerStopped.signal()
        }
        var readerRunning = true
        defer {
            if readerRunning {
                handoff.cancel()
                readerStopped.wait()
            }
            try? consumer.close()
        }
        let encoder = JSONEncoder()
        while let prepared = try handoff.take() {
            var rejected: [EventRejection.Kind: Int] = [:]
            let summary = try writer.write(prepared.batch) { refused in
                // Looked up only when something was refused: most batches refuse nothing.
                let byPosition = refused.isEmpty ? [:] : Dictionary(prepared.records.map { ($0.source, $0) },
                                                                    uniquingKeysWith: { first, _ in first })
                let deadLetters = prepared.unreadable + refused.map { refusal in
                    let kind = EventRejection.Kind(refusal.reason)
                    if let record = byPosition[refusal.position] { return (record, EventRejection(kind, refusal.message)) }
                    // A report that waited in the holding table for its decision: its bytes are
                    // no longer at hand, its coordinates say where they are.
                    return (InputRecord(source: refusal.position, key: nil, value: Data()),
                            EventRejection(kind, refusal.message + " (it had waited for its decision; raw_base64 is empty, the report is at source)"))
                }
                guard !deadLetters.isEmpty else { return }
                let now = Date()
                for (record, rejection) in deadLetters {
                    rejected[rejection.kind, default: 0] += 1
                    let letter = DeadLetterRecord(stage: "ledger", source: record.source, rejection: rejection, raw: record.value, at: now)
                    try producer.send(topic: configuration.topics.deadLetter, key: record.key, value: try encoder.encode(letter))
                }
                try producer.flush(timeout: .seconds(120)).requireDelivered()
            }
            // Kafka's copy of the offsets is for tools that watch the group's lag: not waited for.
            try consumer.commitAsync(prepared.batch.nextOffsets.map(KafkaTopicPartitionOffset.init))
            counters.record(summary, records: prepared.messageCount, rejected: rejected,
                            latency: ContinuousClock.now - prepared.polledAt)
            status.progressed()
        }
        readerStopped.wait()
        readerRunning = false
        log(.info, "stopped", ["reason": shutdown.reason ?? "shutdown", "recorded": counters.snapshot().rowsRecorded])
    }
}
