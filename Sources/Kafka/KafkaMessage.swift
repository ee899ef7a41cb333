import Foundation

/// A record read by a ``KafkaConsumer``.
public struct KafkaMessage: Sendable {
    public let topic: String
    public let partition: KafkaPartition
    public let offset: KafkaOffset
    public let key: Data?
    public let value: Data
    public let headers: [KafkaHeader]
    /// When the record was created (or appended, if the topic says so); nil when the broker gave none.
    public let timestamp: Date?

    public init(topic: String, partition: KafkaPartition, offset: KafkaOffset, key: Data?, value: Data,
                headers: [KafkaHeader] = [], timestamp: Date? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// The value of the first header with this key.
    public func header(_ key: String) -> Data? {
        headers.first { $0.key == key }?.value ?? nil
    }
}
