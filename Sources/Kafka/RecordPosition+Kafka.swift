import Streams

// Kafka's value types and the application's meet here: a record's position outside this
// module is always a `RecordPosition`.

extension RecordPosition {
    /// Where `message` was read.
    public init(_ message: KafkaMessage) {
        self.init(topic: message.topic, partition: message.partition.rawValue, offset: message.offset.rawValue)
    }
}

extension TopicPartition {
    public init(_ partition: KafkaTopicPartition) {
        self.init(topic: partition.topic, partition: partition.partition.rawValue)
    }
}

extension KafkaTopicPartitionOffset {
    /// A concrete position, such as the next offset to commit.
    public init(_ position: RecordPosition) {
        self.init(topic: position.topic, partition: KafkaPartition(rawValue: position.partition), offset: KafkaOffset(rawValue: position.offset))
    }
}

extension KafkaConsumer {
    /// Joins the group for these topics, each partition given to this member starting at its
    /// offset in `stored` (kept outside Kafka, with the results of its records), or, when
    /// `stored` has none, at the group's committed offset.
    public func subscribe(topics: [String], resumingFrom stored: [TopicPartition: Int64]) throws {
        try subscribe(topics: topics) { partitions in
            partitions.compactMap { partition in
                stored[TopicPartition(partition)].map { KafkaTopicPartitionOffset(RecordPosition(TopicPartition(partition), offset: $0)) }
            }
        }
    }
}
