/// Where a record was read: topic, partition and offset. As a consumer's stored position, the
/// offset is the next record to read.
public struct RecordPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32
    public let offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public static func < (a: RecordPosition, b: RecordPosition) -> Bool {
        (a.topic, a.partition, a.offset) < (b.topic, b.partition, b.offset)
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}
