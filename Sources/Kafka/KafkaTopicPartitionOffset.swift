/// A position in one partition of one topic, as committed by a consumer group.
public struct KafkaTopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    public let topic: String
    public let partition: KafkaPartition
    public let offset: KafkaOffset

    public init(topic: String, partition: KafkaPartition, offset: KafkaOffset) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var topicPartition: KafkaTopicPartition {
        KafkaTopicPartition(topic: topic, partition: partition)
    }

    /// The offsets to commit once `messages` are processed: per partition, one past the highest
    /// offset seen (Kafka's committed offset names the next record to read).
    public static func committing(_ messages: some Sequence<KafkaMessage>) -> [KafkaTopicPartitionOffset] {
        var highest: [KafkaTopicPartition: KafkaOffset] = [:]
        for message in messages {
            let key = KafkaTopicPartition(topic: message.topic, partition: message.partition)
            highest[key] = max(highest[key] ?? message.offset, message.offset)
        }
        return highest
            .map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value.next) }
            .sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}
