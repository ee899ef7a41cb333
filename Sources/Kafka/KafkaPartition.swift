/// A partition number of a topic.
public struct KafkaPartition: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: Int) {
        self.rawValue = Int32(rawValue)
    }

    /// Lets the producer's partitioner choose (by key hash, or spread when there is no key).
    public static let unassigned = KafkaPartition(rawValue: -1)

    public static func < (lhs: KafkaPartition, rhs: KafkaPartition) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "\(rawValue)" }
}
