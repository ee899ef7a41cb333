/// How far a consumer is behind the end of one partition it owns.
public struct KafkaPartitionLag: Hashable, Sendable, CustomStringConvertible {
    public let topic: String
    public let partition: KafkaPartition
    /// The next record the consumer will read: its position, or before its first record from
    /// this partition the group's committed offset.
    public let position: KafkaOffset
    /// The offset the next record written to the partition will get (for a `read_committed`
    /// consumer, the last stable offset: records of open transactions are not yet readable).
    public let end: KafkaOffset

    public init(topic: String, partition: KafkaPartition, position: KafkaOffset, end: KafkaOffset) {
        self.topic = topic
        self.partition = partition
        self.position = position
        self.end = end
    }

    /// Records written but not yet read; nil while the position is unknown (nothing read from
    /// the partition and nothing committed for it).
    public var records: Int64? {
        guard position.isConcrete, end.isConcrete else { return nil }
        return max(0, end.rawValue - position.rawValue)
    }

    public var description: String { "\(topic)[\(partition)] \(position)→\(end): \(records.map(String.init) ?? "unknown")" }
}
