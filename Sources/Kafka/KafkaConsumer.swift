import Synchronization

/// A member of a consumer group that reads records in micro-batches and commits offsets itself.
///
/// Use it from one thread at a time (a stage's loop): `poll`, process, then `commit` the
/// offsets (or send them in a producer's transaction), and `close` at the end. Rebalances happen
/// inside `poll`, between batches, so a finished batch is never split by one; records of a
/// partition revoked during a `poll` call are left out of what it returns, and its new owner
/// reads them from the last committed offset. A caller that polls again before committing the
/// records it holds (a pipelined stage) drops those of `partitionsRevokedByLastPoll`.
public final class KafkaConsumer: Sendable {
    private let client: RdKafkaClient
    private let revokedByLastPoll = Mutex<Set<KafkaTopicPartition>>([])
    /// A consumer error met after records were collected, reported by the next `poll`.
    private let deferredError = Mutex<KafkaError?>(nil)
    private let closed = Atomic(false)
    /// Where a partition without a committed offset starts, as `auto.offset.reset` says.
    private let withoutCommittedOffset: KafkaOffset

    public init(configuration: KafkaConsumerConfiguration) throws {
        let properties = try configuration.librdkafkaProperties()
        client = try RdKafkaClient(.consumer, properties: properties)
        let reset = properties["auto.offset.reset"] ?? "latest"
        withoutCommittedOffset = ["earliest", "smallest", "beginning"].contains(reset) ? .beginning : .end
    }

    /// Joins the group for these topics; partitions are assigned during the following polls.
    public func subscribe(topics: [String]) throws {
        try checkOpen(.subscribe)
        try client.subscribe(topics)
    }

    /// Where partitions newly assigned to this member start: a concrete offset, `.beginning` or
    /// `.end` for each partition given (partitions left out start at the group's committed offset).
    public typealias StartingOffsets = @Sendable ([KafkaTopicPartition]) throws -> [KafkaTopicPartitionOffset]

    /// Joins the group for these topics, with the application deciding where each partition it
    /// is given starts: for offsets kept outside Kafka, such as in the same database transaction
    /// as the results of the records. `startingAt` is called inside `poll`, on the polling
    /// thread, whenever the group assigns partitions to this member; Kafka's committed offsets
    /// are not consulted for the partitions it answers for. If it throws, the partitions are not
    /// taken and the next `poll` throws its error.
    public func subscribe(topics: [String], startingAt startingOffsets: @escaping StartingOffsets) throws {
        try checkOpen(.subscribe)
        client.events.startingOffsets = startingOffsets
        try client.subscribe(topics)
    }

    /// Up to `maxMessages` records: waits up to `timeout` for the first, then takes only what is
    /// already fetched. Returns an empty batch when nothing came in time.
    ///
    /// Throws a consumer error (such as a subscribed topic that does not exist, or a fatal error);
    /// records collected before it are returned first and the error by the next call, so none is lost.
    public func poll(maxMessages: Int, timeout: Duration) throws -> [KafkaMessage] {
        try checkOpen(.poll)
        if let error = deferredError.withLock({ error in defer { error = nil }; return error }) { throw error }
        if let error = client.events.takeAssignmentError() { throw error }
        _ = client.events.takeRevoked()
        revokedByLastPoll.withLock { $0 = [] }
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(min(maxMessages, 4_096))
        while messages.count < maxMessages, let next = client.consumeOne(timeout: messages.isEmpty ? timeout : .zero) {
            switch next {
            case .success(let message):
                messages.append(message)
            case .failure(let error) where error.code == .partitionEOF:
                // Only with enable.partition.eof set: the end of a partition is not an error here.
                continue
            case .failure(let error):
                let reported = client.fatalError(.poll) ?? error
                if messages.isEmpty { throw reported }
                deferredError.withLock { $0 = reported }
                return withoutRevoked(messages)
            }
        }
        if messages.isEmpty, let fatal = client.fatalError(.poll) { throw fatal }
        return withoutRevoked(messages)
    }

    /// The partitions taken from this member during the last `poll` that returned (not threw):
    /// records of them polled earlier and not yet committed belong to their new owner now, which
    /// reads them from the last committed offset.
    public var partitionsRevokedByLastPoll: Set<KafkaTopicPartition> {
        revokedByLastPoll.withLock { $0 }
    }

    private func withoutRevoked(_ messages: [KafkaMessage]) -> [KafkaMessage] {
        let revoked = client.events.takeRevoked()
        guard !revoked.isEmpty else { return messages }
        revokedByLastPoll.withLock { $0 = revoked }
        return messages.filter { !revoked.contains(KafkaTopicPartition(topic: $0.topic, partition: $0.partition)) }
    }

    /// Commits offsets synchronously. Each offset names the next record to read; build them from
    /// a processed batch with ``KafkaTopicPartitionOffset/committing(_:)``.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) throws {
        try checkOpen(.commit)
        try client.commit(offsets)
    }

    /// Commits these offsets without waiting for the broker's answer; a failure is not reported
    /// (for offsets kept elsewhere too, whose copy in the group is informative).
    public func commitAsync(_ offsets: [KafkaTopicPartitionOffset]) throws {
        try checkOpen(.commit)
        try client.commit(offsets, waiting: false)
    }

    /// The group's committed offsets for these partitions (``KafkaOffset/invalid`` where none).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartitionOffset] {
        try checkOpen(.committed)
        return try client.committed(partitions, timeout: timeout)
    }

    /// Moves every partition this member owns back to the group's committed offset, so the next
    /// polls return the uncommitted records again: what to do after aborting a transaction,
    /// whose batch was polled but whose offsets were not committed.
    public func rewindToCommitted(timeout: Duration) throws {
        try checkOpen(.seek)
        let committed = try client.committed(try client.assignment(), timeout: timeout)
        try client.seek(committed.map { entry in
            entry.offset.isConcrete ? entry
                : KafkaTopicPartitionOffset(topic: entry.topic, partition: entry.partition, offset: withoutCommittedOffset)
        }, timeout: timeout)
    }

    /// The partitions this member currently owns.
    public func assignment() throws -> [KafkaTopicPartition] {
        try checkOpen(.assignment)
        return try client.assignment()
    }

    /// True once the group has told this member which partitions it owns, none included, and
    /// has not taken any back since without telling it again: false after `subscribe` until
    /// the first rebalance completes, and between a revocation and the assignment that follows.
    public var knowsItsAssignment: Bool { client.events.assignmentKnown }

    /// How far this member is behind in each partition it owns: its position against the
    /// partition's end, asked of the brokers (one request per broker). Partitions it has read
    /// nothing from yet are measured from the group's committed offset.
    public func lag(timeout: Duration) throws -> [KafkaPartitionLag] {
        try checkOpen(.endOffsets)
        let partitions = try client.assignment()
        guard !partitions.isEmpty else { return [] }
        var positions = Dictionary(try client.positions(partitions).map { ($0.topicPartition, $0.offset) }) { $1 }
        let unread = partitions.filter { !(positions[$0]?.isConcrete ?? false) }
        if !unread.isEmpty {
            for entry in try client.committed(unread, timeout: timeout) { positions[entry.topicPartition] = entry.offset }
        }
        return try client.endOffsets(partitions, timeout: timeout).map { entry in
            KafkaPartitionLag(topic: entry.topic, partition: entry.partition,
                              position: positions[entry.topicPartition] ?? .invalid, end: entry.offset)
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// This member's group metadata, for a transactional producer's offset commit.
    public func groupMetadata() throws -> KafkaConsumerGroupMetadata {
        try checkOpen(.groupMetadata)
        return try client.groupMetadata()
    }

    /// Commits `offsets` (the last processed batch, if not yet committed) and leaves the group,
    /// so its partitions move to other members at once instead of after the session timeout.
    /// Later calls throw; closing twice does nothing.
    public func close(committing offsets: [KafkaTopicPartitionOffset] = []) throws {
        guard !closed.load(ordering: .acquiring) else { return }
        defer { closed.store(true, ordering: .releasing) }
        var commitError: Error?
        do { try client.commit(offsets) } catch { commitError = error }
        // Leave the group even when the commit failed, then report the failure.
        try client.closeConsumer()
        if let commitError { throw commitError }
    }

    private func checkOpen(_ operation: KafkaError.Operation) throws {
        if closed.load(ordering: .acquiring) {
            throw KafkaError(operation: operation, code: .state, message: "the consumer is closed")
        }
    }
}
