/// What became of one sent message: written at a partition and offset, or failed for good
/// (librdkafka has already retried whatever could be retried within the delivery timeout).
public struct KafkaDeliveryReport: Sendable, CustomStringConvertible {
    public let id: KafkaMessageID
    public let topic: String
    /// The partition written to, or (on failure) the one tried, if any was chosen.
    public let partition: KafkaPartition
    /// Where the message was written; nil when it failed or the broker gave no offset.
    public let offset: KafkaOffset?
    /// Why delivery failed; nil when the message was delivered.
    public let error: KafkaError?

    public init(id: KafkaMessageID, topic: String, partition: KafkaPartition, offset: KafkaOffset?, error: KafkaError?) {
        self.id = id
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.error = error
    }

    public var isDelivered: Bool { error == nil }

    public var description: String {
        if let error { return "message \(id) to \(topic) not delivered: \(error)" }
        return "message \(id) delivered to \(topic)[\(partition)]@\(offset.map(\.description) ?? "?")"
    }
}

extension Sequence<KafkaDeliveryReport> {
    /// Throws the first failure, saying how many messages failed in all.
    public func requireDelivered() throws {
        let failures = filter { !$0.isDelivered }
        guard let first = failures.first, let error = first.error else { return }
        let count = failures.count == 1 ? "1 message" : "\(failures.count) messages"
        throw KafkaError(operation: .delivery, code: error.code,
                         message: "\(count) not delivered; first, \(first.id) to \(first.topic): \(error.message)",
                         isFatal: error.isFatal, isRetriable: error.isRetriable,
                         transactionRequiresAbort: error.transactionRequiresAbort)
    }
}
