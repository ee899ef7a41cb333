import CRdKafka

/// Administrative requests through the librdkafka handle.
extension RdKafkaClient {
    /// Creates topics on a real cluster and waits for the answer.
    func createTopics(_ names: [String], partitions: Int, replicationFactor: Int, timeout: Duration) throws {
        var reason = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for name in names {
            guard let topic = rd_kafka_NewTopic_new(name, Int32(partitions), Int32(replicationFactor), &reason, reason.count) else {
                throw KafkaError(operation: .createTopic, code: .invalidArgument, message: "topic '\(name)': \(Self.string(reason))")
            }
            newTopics.append(topic)
        }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, Self.timeoutMilliseconds(timeout), &reason, reason.count)
        rd_kafka_CreateTopics(handle, &newTopics, newTopics.count, options, queue)

        guard let event = rd_kafka_queue_poll(queue, Self.timeoutMilliseconds(timeout)) else {
            throw KafkaError(operation: .createTopic, code: .timedOut, isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(operation: .createTopic, code: KafkaErrorCode(eventError),
                             message: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count) else { return }
        for result in UnsafeBufferPointer(start: results, count: count) {
            let code = rd_kafka_topic_result_error(result)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let name = String(cString: rd_kafka_topic_result_name(result))
                let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? KafkaErrorCode(code).text
                throw KafkaError(operation: .createTopic, code: KafkaErrorCode(code), message: "topic '\(name)': \(text)")
            }
        }
    }
}
