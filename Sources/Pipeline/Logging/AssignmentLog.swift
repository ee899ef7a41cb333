import Kafka
import Streams

/// Tells the log, at info, when the group gives this member partitions and when it takes them
/// away: after a poll (rebalances happen inside polls) the assignment is compared with the one
/// seen before, so an operator can tell a stage that holds nothing from one that is stuck.
struct AssignmentLog {
    private(set) var owned: Set<TopicPartition> = []

    /// The assignment now; logs what changed since the last call.
    mutating func update(_ consumer: KafkaConsumer, log: StageLog) throws -> Set<TopicPartition> {
        let now = Set(try consumer.assignment().map(TopicPartition.init))
        guard now != owned else { return now }
        let removed = owned.subtracting(now).sorted()
        let added = now.subtracting(owned).sorted()
        if !removed.isEmpty {
            log(.info, "partitions revoked", ["partitions": Self.list(removed), "holding": now.count])
        }
        if !added.isEmpty {
            log(.info, "partitions assigned", ["partitions": Self.list(added), "holding": now.count])
        }
        owned = now
        return now
    }

    private static func list(_ partitions: [TopicPartition]) -> String {
        partitions.map(\.description).joined(separator: ",")
    }
}
