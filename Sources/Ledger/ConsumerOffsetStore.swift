import Postgres
import Streams

/// A consumer group's offsets kept in PostgreSQL (`consumer_offsets`), written in the same
/// transaction as what its records turned into: after a crash the stage skips exactly the
/// records whose effects were committed. The ledger and learn stages keep theirs here.
public struct ConsumerOffsetStore {
    public let group: String
    private let connection: PostgresConnection

    public init(group: String, on connection: PostgresConnection) {
        self.group = group
        self.connection = connection
    }

    /// Per partition, the next offset to read.
    public func read() throws -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for row in try connection.query("SELECT topic, kafka_partition, next_offset FROM consumer_offsets WHERE consumer_group = $1",
                                        [.text(group)]) {
            offsets[TopicPartition(topic: try row.decode(column: "topic"), partition: try row.decode(column: "kafka_partition"))]
                = try row.decode(column: "next_offset")
        }
        return offsets
    }

    /// Stores the next offsets to read. An offset never moves back: records another member of
    /// the group stored past already leave it where it is.
    public func store(_ next: [RecordPosition]) throws {
        guard !next.isEmpty else { return }
        var parameters: [PostgresValue] = [.text(group)]
        var tuples: [String] = []
        for position in next {
            let base = parameters.count
            tuples.append("($1, $\(base + 1), $\(base + 2), $\(base + 3))")
            parameters += [.text(position.topic), .integer(position.partition), .bigint(position.offset)]
        }
        try connection.execute("""
            INSERT INTO consumer_offsets (consumer_group, topic, kafka_partition, next_offset)
            VALUES \(tuples.joined(separator: ", "))
            ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE
            SET next_offset = greatest(consumer_offsets.next_offset, excluded.next_offset), updated_at = now()
            """, parameters)
    }
}
