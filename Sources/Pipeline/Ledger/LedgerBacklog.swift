import Foundation
import Kafka
import Ledger
import Postgres
import Streams

/// What the ledger stage has not recorded yet: per partition of its two topics, the records
/// past the offset it stored in PostgreSQL and when the oldest of them was produced. A stage
/// that keeps failing on one record, or that is not running, stores nothing past it, so that
/// record only grows older; a working stage keeps its oldest unrecorded record seconds old.
public struct LedgerBacklog: Sendable {
    public struct Partition: Sendable, CustomStringConvertible {
        public let topic: String
        public let partition: Int32
        /// The next offset the ledger will record (0 when it has stored none for the partition).
        public let storedOffset: Int64
        public let endOffset: Int64
        /// When the record at the stored offset was produced; nil when it was not read in time.
        public let oldestUnrecordedAt: Date?

        public var records: Int64 { max(0, endOffset - storedOffset) }

        public var description: String { "\(topic)[\(partition)]" }
    }

    public let partitions: [Partition]

    /// Partitions whose oldest unrecorded record is older than `limit` (or could not be read),
    /// as of `now`.
    public func stalled(olderThan limit: Duration, now: Date = Date()) -> [Partition] {
        partitions.filter { partition in
            guard partition.records > 0 else { return false }
            guard let oldest = partition.oldestUnrecordedAt else { return true }
            return now.timeIntervalSince(oldest) > Double(limit.components.seconds)
        }
    }

    /// Asks Kafka for the ends of the decisions and usage topics and reads the first record
    /// past each stored offset, in a consumer group of its own (nothing is committed).
    public static func measure(configuration: RouteLedgerConfiguration, connection: PostgresConnection,
                               within timeout: Duration) throws -> LedgerBacklog {
        let stored = try ConsumerOffsetStore(group: configuration.ledger.groupID, on: connection).read()
        let group = "routeledger-backlog-\(UUID().uuidString.prefix(8))"
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: group))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [configuration.topics.decisions, configuration.topics.usage]) { partitions in
            partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition,
                                                       offset: stored[TopicPartition($0)].map(KafkaOffset.init) ?? .beginning) }
        }
        var ends: [TopicPartition: Int64] = [:]
        var oldest: [TopicPartition: Date] = [:]
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for message in try consumer.poll(maxMessages: 1_000, timeout: .milliseconds(200)) {
                let partition = RecordPosition(message).topicPartition
                if oldest[partition] == nil, let produced = message.timestamp { oldest[partition] = produced }
            }
            if ends.isEmpty {
                for lag in try consumer.lag(timeout: .seconds(10)) where lag.end.isConcrete {
                    ends[TopicPartition(topic: lag.topic, partition: lag.partition.rawValue)] = lag.end.rawValue
                }
            }
            let waiting = ends.filter { $0.value > stored[$0.key] ?? 0 && oldest[$0.key] == nil }
            if !ends.isEmpty && waiting.isEmpty { break }
        }
        return LedgerBacklog(partitions: ends.map { partition, end in
            Partition(topic: partition.topic, partition: partition.partition, storedOffset: stored[partition] ?? 0,
                      endOffset: end, oldestUnrecordedAt: end > stored[partition] ?? 0 ? oldest[partition] : nil)
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) })
    }
}
