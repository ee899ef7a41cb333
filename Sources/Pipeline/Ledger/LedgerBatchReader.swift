import Foundation
import Kafka
import Ledger

/// A batch the ledger stage has read, ready for the writer.
struct PreparedLedgerBatch: Sendable {
    var batch: LedgerBatch
    /// The batch's decisions' and reports' records, for the dead-letter topic.
    var records: [InputRecord]
    var unreadable: [(InputRecord, EventRejection)]
    /// Per partition, the offset to store (and commit) with the batch.
    var next: [KafkaTopicPartition: Int64]
    var messageCount: Int
    var polledAt: ContinuousClock.Instant
}

/// The reading half of the ledger stage: polls the decisions and usage topics, parses each
/// record, pairs decisions with their usage reports (`LedgerPairing`) and works out the offsets
/// each batch lets the stage store. It runs on a thread of its own, reading the next batch
/// while the previous one is written.
struct LedgerBatchReader {
    private let consumer: KafkaConsumer
    private let maxRecords: Int
    private let linger: Duration
    private let records: LedgerRecords
    private var pairing: LedgerPairing
    /// Per partition, the offset stored last (in PostgreSQL, or in a batch handed out since).
    private var stored: [KafkaTopicPartition: Int64]
    /// Per partition, the offset after the last record read (held records included).
    private var read: [KafkaTopicPartition: Int64] = [:]

    init(consumer: KafkaConsumer, configuration: RouteLedgerConfiguration, stored: [KafkaTopicPartition: Int64]) {
        self.consumer = consumer
        maxRecords = configuration.ledger.batchRecords
        linger = .milliseconds(max(configuration.batch.lingerMilliseconds, 1))
        records = LedgerRecords(decisionsTopic: configuration.topics.decisions)
        pairing = LedgerPairing(window: .milliseconds(configuration.ledger.pairingWindowMilliseconds),
                                capacity: configuration.ledger.pairingMaxRecords)
        self.stored = stored
    }

    /// Records held back, waiting for their counterpart.
    var held: Int { pairing.count }

    /// Polls once; returns what there is to write, or nil when there is nothing.
    mutating func next() throws -> PreparedLedgerBatch? {
        let messages = try consumer.poll(maxMessages: maxRecords, timeout: linger)
        let polledAt = ContinuousClock.now
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
            switch records.read(record) {
            case .decision(let decision): decisions.append((decision, record))
            case .usage(let report): usage.append((report, record))
            case .rejected(let rejection): unreadable.append((record, rejection))
            }
        }
        let release = pairing.admit(decisions: decisions, usage: usage, now: polledAt)
        // The offset to store per partition: after what was read, but not past a held record.
        var next: [KafkaTopicPartition: Int64] = [:]
        for (partition, offset) in read {
            let position = min(offset, pairing.earliestHeld(in: partition) ?? offset)
            if position > stored[partition] ?? 0 { next[partition] = position }
        }
        guard !release.isEmpty || !unreadable.isEmpty || !next.isEmpty else { return nil }
        stored.merge(next) { max($0, $1) }
        let batch = LedgerBatch(decisions: release.decisions.map(\.decision), usage: release.usage.map(\.report),
                                nextOffsets: next.map { RecordPosition(topic: $0.key.topic, partition: $0.key.partition.rawValue, offset: $0.value) })
        return PreparedLedgerBatch(batch: batch, records: release.decisions.map(\.input) + release.usage.map(\.input),
                                   unreadable: unreadable, next: next,
                                   messageCount: messages.count, polledAt: polledAt)
    }
}
