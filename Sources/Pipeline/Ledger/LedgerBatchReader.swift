import Foundation
import Kafka
import Ledger
import Streams

/// A batch the ledger stage has read, ready for the writer.
struct PreparedLedgerBatch: Sendable {
    var batch: LedgerBatch
    /// The batch's decisions' and reports' records, for the dead-letter topic.
    var records: [InputRecord]
    var unreadable: [(InputRecord, EventRejection)]
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
    /// Stored: in PostgreSQL, or in a batch handed out since.
    private var offsets: CommittableOffsets

    init(consumer: KafkaConsumer, configuration: RouteLedgerConfiguration, stored: [TopicPartition: Int64]) {
        self.consumer = consumer
        maxRecords = configuration.ledger.batchRecords
        linger = .milliseconds(max(configuration.batch.lingerMilliseconds, 1))
        records = LedgerRecords(decisionsTopic: configuration.topics.decisions, modelNames: configuration.modelNames)
        pairing = LedgerPairing(window: .milliseconds(configuration.ledger.pairingWindowMilliseconds),
                                capacity: configuration.ledger.pairingMaxRecords)
        offsets = CommittableOffsets(stored: stored)
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
            let record = InputRecord(source: RecordPosition(message), key: message.key, value: message.value)
            offsets.read(record.source)
            // Below the stored offset: recorded (or dead-lettered) before a crash or by another member.
            guard offsets.isNew(record.source) else { continue }
            switch records.read(record) {
            case .decision(let decision): decisions.append((decision, record))
            case .usage(let report): usage.append((report, record))
            case .rejected(let rejection): unreadable.append((record, rejection))
            }
        }
        let release = pairing.admit(decisions: decisions, usage: usage, now: polledAt)
        let read = offsets
        let next = read.next { pairing.earliestHeld(in: $0) }
        guard !release.isEmpty || !unreadable.isEmpty || !next.isEmpty else { return nil }
        offsets.stored(next)
        let batch = LedgerBatch(decisions: release.decisions.map(\.decision), usage: release.usage.map(\.report), nextOffsets: next)
        return PreparedLedgerBatch(batch: batch, records: release.decisions.map(\.input) + release.usage.map(\.input),
                                   unreadable: unreadable,
                                   messageCount: messages.count, polledAt: polledAt)
    }
}
