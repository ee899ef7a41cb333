/// A position in a partition: the offset of a record, or of the next record to read when it is
/// committed. Negative values are librdkafka's logical offsets.
public struct KafkaOffset: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int64

    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: Int) {
        self.rawValue = Int64(rawValue)
    }

    /// The oldest record still in the partition.
    public static let beginning = KafkaOffset(rawValue: -2)
    /// The next record to be written.
    public static let end = KafkaOffset(rawValue: -1)
    /// No offset known (also what librdkafka reports when none was committed).
    public static let invalid = KafkaOffset(rawValue: -1001)

    /// Whether this is a real position rather than a logical one.
    public var isConcrete: Bool { rawValue >= 0 }

    /// The offset after this one: what a consumer commits once this record is processed.
    public var next: KafkaOffset { KafkaOffset(rawValue: rawValue + 1) }

    public static func < (lhs: KafkaOffset, rhs: KafkaOffset) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .invalid: "invalid"
        default: "\(rawValue)"
        }
    }
}
