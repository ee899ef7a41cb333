import Kafka
import Postgres

/// A stage's Kafka positions kept in PostgreSQL (`consumer_offsets`), written in the same
/// transaction as what the records turned into: after a crash the stage skips exactly the
/// records whose effects were committed.
struct ConsumerOffsetTable {
    let connection: PostgresConnection
    let group: String

    /// The next offset to process per partition of the group.
    func read() throws -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for row in try connection.query("SELECT topic, kafka_partition, next_offset FROM consumer_offsets WHERE consumer_group = $1",
                                        [.text(group)]) {
            let partition = KafkaTopicPartition(topic: try row.decode(String.self, at: 0),
                                                partition: KafkaPartition(rawValue: try row.decode(Int32.self, at: 1)))
            offsets[partition] = try row.decode(Int64.self, at: 2)
        }
        return offsets
    }

    func write(_ offsets: [KafkaTopicPartitionOffset]) throws {
        let statement = try connection.prepare("""
            INSERT INTO consumer_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES ($1, $2, $3, $4)
            ON CONFLICT (consumer_group, topic, kafka_partition)
            DO UPDATE SET next_offset = excluded.next_offset, updated_at = now()
            """)
        for offset in offsets {
            try connection.execute(statement, [.text(group), .text(offset.topic), .integer(offset.partition.rawValue),
                                               .bigint(offset.offset.rawValue)])
        }
    }
}
