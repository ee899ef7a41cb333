/// Names a message given to ``KafkaProducer/send(topic:partition:key:value:headers:)``, so its
/// ``KafkaDeliveryReport`` can be matched to it. Unique within one producer.
public struct KafkaMessageID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt

    public init(rawValue: UInt) {
        self.rawValue = rawValue
    }

    public static func < (lhs: KafkaMessageID, rhs: KafkaMessageID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "#\(rawValue)" }
}
