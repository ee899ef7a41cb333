import CRdKafka
import Foundation

/// The producer side of the librdkafka handle.
extension RdKafkaClient {
    /// Hands one message to librdkafka (which copies it). Waits while librdkafka's queue is full,
    /// serving delivery reports meanwhile, so a fast sender slows down instead of failing.
    func produce(id: KafkaMessageID, topic: String, partition: KafkaPartition, key: Data?, value: Data,
                 headers: [KafkaHeader]) throws {
        while true {
            let error = Self.withBytes(value) { valuePointer, valueCount in
                Self.withBytes(key) { keyPointer, keyCount in
                    produceOnce(id: id, topic: topic, partition: partition, key: key == nil ? nil : (keyPointer, keyCount),
                                value: (valuePointer, valueCount), headers: headers)
                }
            }
            guard let error else { return }
            if rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_error_destroy(error)
                rd_kafka_poll(handle, 100)
                continue
            }
            throw KafkaError(operation: .produce, consuming: error)
        }
    }

    private func produceOnce(id: KafkaMessageID, topic: String, partition: KafkaPartition,
                             key: (UnsafeRawPointer, Int)?, value: (UnsafeRawPointer, Int),
                             headers: [KafkaHeader]) -> OpaquePointer? {
        topic.withCString { topicName in
            var fields: [rd_kafka_vu_t] = []
            func field(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                var entry = rd_kafka_vu_t()
                entry.vtype = type
                set(&entry)
                fields.append(entry)
            }
            field(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topicName }
            field(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition.rawValue }
            field(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
            field(RD_KAFKA_VTYPE_VALUE) { $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.0); $0.u.mem.size = value.1 }
            if let key {
                field(RD_KAFKA_VTYPE_KEY) { $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.0); $0.u.mem.size = key.1 }
            }
            // The id travels as the per-message opaque pointer value; no allocation to free.
            field(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: id.rawValue) }
            var headerList: OpaquePointer?
            if !headers.isEmpty {
                let list = rd_kafka_headers_new(headers.count)!
                for header in headers {
                    if let value = header.value {
                        Self.withBytes(value) { pointer, count in _ = rd_kafka_header_add(list, header.key, -1, pointer, count) }
                    } else {
                        _ = rd_kafka_header_add(list, header.key, -1, nil, 0)
                    }
                }
                headerList = list
                field(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = list }
            }
            let error = rd_kafka_produceva(handle, &fields, fields.count)
            // librdkafka owns the headers only once the message was accepted.
            if error != nil, let headerList { rd_kafka_headers_destroy(headerList) }
            return error
        }
    }

    /// Calls `body` with the bytes of `data`; an empty value gets a valid pointer so it stays
    /// an empty value rather than becoming a null one (a tombstone).
    private static func withBytes<Result>(_ data: Data?, _ body: (UnsafeRawPointer, Int) -> Result) -> Result {
        guard let data, !data.isEmpty else {
            return withUnsafeBytes(of: UInt8(0)) { body($0.baseAddress!, 0) }
        }
        return data.withUnsafeBytes { body($0.baseAddress!, $0.count) }
    }

    /// Serves queued delivery reports and errors, waiting up to `timeout` for the first.
    func serve(timeout: Duration) {
        rd_kafka_poll(handle, Self.timeoutMilliseconds(timeout))
    }

    /// Waits until every message handed over is delivered or failed; false on timeout.
    func flush(timeout: Duration) -> Bool {
        rd_kafka_flush(handle, Self.timeoutMilliseconds(timeout)) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Messages handed over and not yet reported on (including librdkafka's own requests).
    var outstandingCount: Int { Int(rd_kafka_outq_len(handle)) }

    func initTransactions(timeout: Duration) throws {
        try KafkaError.check(rd_kafka_init_transactions(handle, Self.timeoutMilliseconds(timeout)), .initTransactions)
    }

    func beginTransaction() throws {
        try KafkaError.check(rd_kafka_begin_transaction(handle), .beginTransaction)
    }

    func sendOffsetsToTransaction(_ offsets: [KafkaTopicPartitionOffset], groupMetadata: KafkaConsumerGroupMetadata,
                                  timeout: Duration) throws {
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_send_offsets_to_transaction(handle, list, groupMetadata.pointer,
                                                                  Self.timeoutMilliseconds(timeout)),
                             .sendOffsetsToTransaction)
    }

    func commitTransaction(timeout: Duration) throws {
        try KafkaError.check(rd_kafka_commit_transaction(handle, Self.timeoutMilliseconds(timeout)), .commitTransaction)
    }

    func abortTransaction(timeout: Duration) throws {
        try KafkaError.check(rd_kafka_abort_transaction(handle, Self.timeoutMilliseconds(timeout)), .abortTransaction)
    }
}
