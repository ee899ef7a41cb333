import Synchronization

/// What librdkafka's callbacks report, kept until the owning consumer or producer collects it.
///
/// The callbacks run on whichever thread serves the client's queue (inside poll, flush, commit of
/// a transaction, or close), so the state sits behind a lock.
final class ClientEvents: Sendable {
    private struct State {
        var deliveries: [KafkaDeliveryReport] = []
        var lastMessageID: UInt = 0
        var revoked: Set<KafkaTopicPartition> = []
        /// True from an assignment (possibly empty) until partitions are revoked.
        var assignmentKnown = false
        /// True from the first assignment on, revocations notwithstanding.
        var everAssigned = false
        var assignmentError: KafkaError?
        var startingOffsets: KafkaConsumer.StartingOffsets?
    }

    /// Names the client in log lines.
    let clientName: String
    private let state = Mutex(State())

    init(clientName: String) {
        self.clientName = clientName
    }

    func nextMessageID() -> KafkaMessageID {
        state.withLock {
            $0.lastMessageID += 1
            return KafkaMessageID(rawValue: $0.lastMessageID)
        }
    }

    func delivered(_ report: KafkaDeliveryReport) {
        state.withLock { $0.deliveries.append(report) }
    }

    func takeDeliveries() -> [KafkaDeliveryReport] {
        state.withLock { state in
            defer { state.deliveries.removeAll(keepingCapacity: true) }
            return state.deliveries
        }
    }

    func revoked(_ partitions: [KafkaTopicPartition]) {
        state.withLock { state in
            state.revoked.formUnion(partitions)
            state.assignmentKnown = false
        }
    }

    /// The group's assignment was applied. librdkafka reports every rebalance's outcome this
    /// way, an empty one too, so a member that was given nothing can tell.
    func assigned() {
        state.withLock {
            $0.assignmentKnown = true
            $0.everAssigned = true
        }
    }

    var everAssigned: Bool { state.withLock { $0.everAssigned } }

    var assignmentKnown: Bool { state.withLock { $0.assignmentKnown } }

    /// Partitions taken away since the last call.
    func takeRevoked() -> Set<KafkaTopicPartition> {
        state.withLock { state in
            defer { state.revoked.removeAll() }
            return state.revoked
        }
    }

    func assignmentFailed(_ error: KafkaError) {
        state.withLock { $0.assignmentError = error }
    }

    /// Where newly assigned partitions start, when the application decides (see
    /// `KafkaConsumer.subscribe(topics:startingAt:)`).
    var startingOffsets: KafkaConsumer.StartingOffsets? {
        get { state.withLock { $0.startingOffsets } }
        set { state.withLock { $0.startingOffsets = newValue } }
    }

    func takeAssignmentError() -> KafkaError? {
        state.withLock { state in
            defer { state.assignmentError = nil }
            return state.assignmentError
        }
    }
}
