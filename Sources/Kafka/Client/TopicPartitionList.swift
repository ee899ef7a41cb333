import CRdKafka

/// Conversions between Swift offsets and librdkafka's `rd_kafka_topic_partition_list_t`.
enum TopicPartitionList {
    /// A new list the caller must destroy with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ offsets: [KafkaTopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(offsets.count, 1)))!
        for entry in offsets {
            rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition.rawValue).pointee.offset = entry.offset.rawValue
        }
        return list
    }

    static func make(_ partitions: [KafkaTopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: .invalid) })
    }

    static func elements(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [rd_kafka_topic_partition_t] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return Array(UnsafeBufferPointer(start: elements, count: Int(list.pointee.cnt)))
    }

    static func offsets(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartitionOffset] {
        elements(list).map {
            KafkaTopicPartitionOffset(topic: String(cString: $0.topic), partition: KafkaPartition(rawValue: $0.partition),
                                      offset: KafkaOffset(rawValue: $0.offset))
        }
    }

    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        offsets(list).map(\.topicPartition)
    }

    /// Sets the start of each partition in `list` to what `choose` says for it; partitions it
    /// leaves out keep `.invalid` (the group's committed offset). A failure of `choose` becomes
    /// an assignment error.
    static func setOffsets(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
                           from choose: KafkaConsumer.StartingOffsets) throws(KafkaError) {
        let starts: [KafkaTopicPartitionOffset]
        do {
            starts = try choose(partitions(list))
        } catch {
            throw KafkaError(operation: .assignment, code: .application,
                             message: "choosing where the assigned partitions start failed: \(error)")
        }
        let byPartition = Dictionary(starts.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { _, last in last })
        guard let elements = list.pointee.elems else { return }
        for index in 0..<Int(list.pointee.cnt) {
            let key = KafkaTopicPartition(topic: String(cString: elements[index].topic),
                                          partition: KafkaPartition(rawValue: elements[index].partition))
            if let offset = byPartition[key] { elements[index].offset = offset.rawValue }
        }
    }
}
