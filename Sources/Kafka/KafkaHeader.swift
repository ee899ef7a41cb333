import Foundation

/// One record header. Kafka allows a header without a value, distinct from an empty one.
public struct KafkaHeader: Hashable, Sendable {
    public let key: String
    public let value: Data?

    public init(key: String, value: Data?) {
        self.key = key
        self.value = value
    }

    public init(key: String, string: String) {
        self.init(key: key, value: Data(string.utf8))
    }
}
