/// One partition of a topic.
public struct TopicPartition: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// Where a record is: topic, partition and offset. Decisions and dead letters carry it as the
/// record they came from (`{"topic", "partition", "offset"}` in JSON); as a consumer's stored
/// position, the offset is that of the next record to read.
public struct RecordPosition: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32
    public let offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public init(_ partition: TopicPartition, offset: Int64) {
        self.init(topic: partition.topic, partition: partition.partition, offset: offset)
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    public static func < (a: RecordPosition, b: RecordPosition) -> Bool {
        (a.topic, a.partition, a.offset) < (b.topic, b.partition, b.offset)
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}
