import Foundation
import Kafka
import Streams

/// Reads a topic from its start to its end as it was when reading began, in a consumer group
/// of its own that commits nothing: what the tools that look back over a topic (dead letters
/// to heal, past queries to replay) read, without moving any stage's offsets.
public enum TopicSnapshot {
    /// Calls `body` with every message of `topic`, in order per partition; returns false when
    /// the end was not reached within `timeout`.
    public static func read(_ topic: String, configuration: RouteLedgerConfiguration, within timeout: Duration,
                            _ body: (KafkaMessage) throws -> Void) throws -> Bool {
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: "routeledger-read-\(UUID().uuidString.prefix(8))"))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic]) { partitions in
            partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: .beginning) }
        }
        var reached: [TopicPartition: Int64] = [:]
        var ends: [TopicPartition: Int64]?
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for message in try consumer.poll(maxMessages: 5_000, timeout: .milliseconds(200)) {
                let position = RecordPosition(message)
                reached[position.topicPartition] = position.offset + 1
                try body(message)
            }
            if ends == nil {
                let lags = try consumer.lag(timeout: .seconds(10)).filter { $0.end.isConcrete }
                if !lags.isEmpty {
                    ends = Dictionary(lags.map { (TopicPartition(topic: $0.topic, partition: $0.partition.rawValue), $0.end.rawValue) },
                                      uniquingKeysWith: max)
                }
            }
            if let ends, ends.allSatisfy({ reached[$0.key] ?? 0 >= $0.value }) { return true }
        }
        return false
    }
}
