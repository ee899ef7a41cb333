/// How far a stage may store its progress: per partition, past every record it has read but
/// not past one it still holds (a decision waiting for its usage report, a vote waiting for its
/// query), and never back. A stage that restarts from these offsets reads every held record
/// again, and skips what it stored.
public struct CommittableOffsets: Sendable {
    /// Per partition, the next offset as stored (or handed out to be stored).
    public private(set) var stored: [TopicPartition: Int64]
    /// Per partition, the offset after the last record read.
    private var read: [TopicPartition: Int64] = [:]

    public init(stored: [TopicPartition: Int64]) {
        self.stored = stored
    }

    /// False for a record below the stored offset: its effects were stored before (read again
    /// after a restart or a rebalance).
    public func isNew(_ position: RecordPosition) -> Bool {
        position.offset >= stored[position.topicPartition] ?? 0
    }

    /// Notes a record as read.
    public mutating func read(_ position: RecordPosition) {
        read[position.topicPartition] = max(read[position.topicPartition] ?? 0, position.offset + 1)
    }

    /// The offsets to store now, in partition order: per partition read, after its last record
    /// read, or at its earliest held record, where that is earlier; only those past the stored
    /// one, or the first of a partition (which says where its records start).
    public func next(earliestHeld: (TopicPartition) -> Int64?) -> [RecordPosition] {
        read.compactMap { partition, offset in
            let next = min(offset, earliestHeld(partition) ?? offset)
            return stored[partition].map { next > $0 } ?? true ? RecordPosition(partition, offset: next) : nil
        }.sorted()
    }

    /// Notes `positions` as stored. An offset never moves back.
    public mutating func stored(_ positions: [RecordPosition]) {
        for position in positions {
            stored[position.topicPartition] = max(stored[position.topicPartition] ?? 0, position.offset)
        }
    }

    /// Forgets what was read from partitions outside `owned`: after a rebalance their new owner
    /// reads them again from the stored offsets.
    public mutating func keepOnly(_ owned: Set<TopicPartition>) {
        read = read.filter { owned.contains($0.key) }
    }
}
