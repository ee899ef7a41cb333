import Foundation
import Kafka
import Ledger
import Postgres

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

    public init(configuration: RouteLedgerConfiguration, database: PostgresSettings, shutdown: ShutdownSignal,
                metrics: MetricsRegistry = MetricsRegistry(), log: StageLog = StageLog(component: "ledger")) {
        self.configuration = configuration
        self.database = database
        self.shutdown = shutdown
        self.log = log
        counters = LedgerCounters(metrics: metrics, deadLetterTopic: configuration.topics.deadLetter)
    }

    public var isConsuming: Bool { counters.isConsuming }

    public func run() throws {
        try runRestarting(runSession, shutdown: shutdown, log: log, message: "failure; restarting from the stored offsets")
    }

    private func runSession() throws {
        let connection = try PostgresConnection(database)
        // The configured prices join the price history (a changed price from now on).
        try PriceBook.record(configured: configuration.models.map { ($0.name, $0.price) }, on: connection)
        let writer = try LedgerWriter(connection: connection, consumerGroup: configuration.ledger.groupID)
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: configuration.ledger.groupID))
        let producer = try KafkaProducer(configuration: configuration.kafkaProducer())
        // Partitions start where PostgreSQL says; those it has never seen, at the group's
        // committed offset (or the topic's start).
        var stored = Dictionary(try LedgerWriter.storedOffsets(group: writer.consumerGroup, on: connection).map {
            (KafkaTopicPartition(topic: $0.topic, partition: KafkaPartition(rawValue: $0.partition)), $0.offset)
        }, uniquingKeysWith: max)
        let topics = [configuration.topics.decisions, configuration.topics.usage]
        let startingOffsets = stored
        try consumer.subscribe(topics: topics) { partitions in
            partitions.compactMap { partition in
                startingOffsets[partition].map { KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: KafkaOffset(rawValue: $0)) }
            }
        }
        log(.info, "consuming", ["topics": topics.joined(separator: ","), "group": writer.consumerGroup])
        let lag = ConsumerLagReporter(stage: "ledger", metrics: counters.metrics, log: log)
        let reader = LedgerRecords(decisionsTopic: configuration.topics.decisions)
        let encoder = JSONEncoder()
        var pairing = LedgerPairing(window: .milliseconds(configuration.ledger.pairingWindowMilliseconds),
                                    capacity: configuration.ledger.pairingMaxRecords)
        // Per partition, the offset after the last record read (held records included).
        var read: [KafkaTopicPartition: Int64] = [:]
        var closed = false
        defer {
            counters.setConsuming(false)
            lag.clear()
            if !closed { try? consumer.close() }
        }
        while !shutdown.isRequested {
            let messages = try consumer.poll(maxMessages: configuration.batch.maxEvents,
                                             timeout: .milliseconds(max(configuration.batch.lingerMilliseconds, 1)))
            counters.setConsuming(true)
            lag.reportIfDue(consumer)
            let started = ContinuousClock.now
            var decisions: [LedgerPairing.Decision] = []
            var usage: [LedgerPairing.Report] = []
            var unreadable: [(InputRecord, EventRejection)] = []
            for message in messages {
                let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
                read[partition] = max(read[partition] ?? 0, message.offset.rawValue + 1)
                // Below the stored offset: recorded (or dead-lettered) before a crash or by another member.
                guard message.offset.rawValue >= stored[partition] ?? 0 else { continue }
                let record = InputRecord(source: KafkaCoordinates(topic: message.topic, partition: message.partition.rawValue,
                                                                  offset: message.offset.rawValue),
                                         key: message.key, value: message.value)
                switch reader.read(record) {
                case .decision(let decision): decisions.append((decision, record))
                case .usage(let report): usage.append((report, record))
                case .rejected(let rejection): unreadable.append((record, rejection))
                }
            }
            let release = pairing.admit(decisions: decisions, usage: usage, now: started)
            // The offset to store per partition: after what was read, but not past a held record.
            var next: [KafkaTopicPartition: Int64] = [:]
            for (partition, offset) in read {
                let position = min(offset, pairing.earliestHeld(in: partition) ?? offset)
                if position > stored[partition] ?? 0 { next[partition] = position }
            }
            guard !release.isEmpty || !unreadable.isEmpty || !next.isEmpty else { continue }
            var records: [RecordPosition: InputRecord] = [:]
            for input in release.decisions.map(\.input) + release.usage.map(\.input) {
                records[RecordPosition(topic: input.source.topic, partition: input.source.partition, offset: input.source.offset)] = input
            }
            let batch = LedgerBatch(decisions: release.decisions.map(\.decision), usage: release.usage.map(\.report),
                                    nextOffsets: next.map { RecordPosition(topic: $0.key.topic, partition: $0.key.partition.rawValue, offset: $0.value) })
            var rejected: [EventRejection.Kind: Int] = [:]
            let summary = try writer.write(batch) { refused in
                let deadLetters = unreadable + refused.map { refusal in
                    let kind = EventRejection.Kind(refusal.reason)
                    if let record = records[refusal.position] { return (record, EventRejection(kind, refusal.message)) }
                    // A report that waited in the holding table for its decision: its bytes are
                    // no longer at hand, its coordinates say where they are.
                    let position = refusal.position
                    return (InputRecord(source: KafkaCoordinates(topic: position.topic, partition: position.partition, offset: position.offset),
                                        key: nil, value: Data()),
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
            stored.merge(next) { max($0, $1) }
            // Kafka's copy of the offsets is for tools that watch the group's lag: not waited for.
            try consumer.commitAsync(next.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: KafkaOffset(rawValue: $0.value)) })
            counters.record(summary, records: messages.count, rejected: rejected, latency: ContinuousClock.now - started,
                            held: pairing.count)
        }
        closed = true
        try consumer.close()
        log(.info, "stopped", ["reason": shutdown.reason ?? "shutdown", "recorded": counters.snapshot().rowsRecorded])
    }
}
