import CRdKafka
import Foundation

/// The consumer side of the librdkafka handle.
extension RdKafkaClient {
    func subscribe(_ topics: [String]) throws {
        let list = TopicPartitionList.make(topics.map { KafkaTopicPartition(topic: $0, partition: .unassigned) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_subscribe(handle, list), .subscribe)
    }

    /// The next record, an error event, or nil when none came within `timeout`. Serves
    /// rebalances and errors while waiting.
    func consumeOne(timeout: Duration) -> Result<KafkaMessage, KafkaError>? {
        guard let raw = rd_kafka_consumer_poll(handle, Self.timeoutMilliseconds(timeout)) else { return nil }
        defer { rd_kafka_message_destroy(raw) }
        let message = raw.pointee
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_message_errstr(raw).map { String(cString: $0) }
            return .failure(KafkaError(operation: .poll, code: KafkaErrorCode(message.err), message: text))
        }
        return .success(Self.message(raw))
    }

    func commit(_ offsets: [KafkaTopicPartitionOffset], waiting: Bool = true) throws {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_commit(handle, list, waiting ? 0 : 1), .commit)
    }

    func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartitionOffset] {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_committed(handle, list, Self.timeoutMilliseconds(timeout)), .committed)
        for element in TopicPartitionList.elements(list) {
            try KafkaError.check(element.err, .committed)
        }
        return TopicPartitionList.offsets(list)
    }

    /// Moves the fetch positions of assigned partitions; records already fetched are discarded.
    func seek(_ offsets: [KafkaTopicPartitionOffset], timeout: Duration) throws {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_seek_partitions(handle, list, Self.timeoutMilliseconds(timeout)), .seek)
        for element in TopicPartitionList.elements(list) {
            try KafkaError.check(element.err, .seek)
        }
    }

    func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check(rd_kafka_assignment(handle, &list), .assignment)
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return TopicPartitionList.partitions(list)
    }

    /// The application's position in each partition: one past the last record `poll` returned
    /// (``KafkaOffset/invalid`` before the first). Local: no broker is asked.
    func positions(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartitionOffset] {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_position(handle, list), .position)
        return TopicPartitionList.offsets(list)
    }

    /// Each partition's end, asked of its leader in one ListOffsets request per broker (the
    /// timestamp -1 means "latest"). The request carries the consumer's `isolation.level`: under
    /// `read_committed` the broker answers with the last stable offset, the end such a reader sees.
    func endOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartitionOffset] {
        let list = TopicPartitionList.make(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: .end) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_offsets_for_times(handle, list, Self.timeoutMilliseconds(timeout)), .endOffsets)
        for element in TopicPartitionList.elements(list) {
            try KafkaError.check(element.err, .endOffsets)
        }
        return TopicPartitionList.offsets(list)
    }

    func groupMetadata() throws -> KafkaConsumerGroupMetadata {
        guard let metadata = rd_kafka_consumer_group_metadata(handle) else {
            throw KafkaError(operation: .groupMetadata, code: .state, message: "not a consumer group member")
        }
        return KafkaConsumerGroupMetadata(owning: metadata)
    }

    /// Leaves the group (revoking the assignment through the rebalance callback).
    func closeConsumer() throws {
        try KafkaError.check(rd_kafka_consumer_close(handle), .close)
    }

    private static func message(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let message = raw.pointee
        let key = message.key.map { Data(bytes: $0, count: message.key_len) }
        let value = message.payload.map { Data(bytes: $0, count: message.len) } ?? Data()
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(raw, &timestampType)
        let timestamp = timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || milliseconds < 0
            ? nil : Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
        return KafkaMessage(topic: message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
                            partition: KafkaPartition(rawValue: message.partition),
                            offset: KafkaOffset(rawValue: message.offset),
                            key: key, value: value, headers: headers(raw), timestamp: timestamp)
    }

    private static func headers(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(raw, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        var index = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "",
                                       value: value.map { Data(bytes: $0, count: size) }))
            index += 1
        }
        return headers
    }
}
