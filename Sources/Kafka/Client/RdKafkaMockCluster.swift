import CRdKafka

/// librdkafka's in-process Kafka-protocol mock cluster and the handle that hosts it.
final class RdKafkaMockCluster: @unchecked Sendable {
    // The hosting client must outlive the cluster: the cluster runs on the client's threads.
    private let host: RdKafkaClient
    private let cluster: OpaquePointer
    /// The mock numbers its brokers from 1.
    private let brokerIDs: ClosedRange<Int32>

    init(brokers: Int) throws {
        // A client with no broker of its own: it only hosts the cluster. Its log of the missing
        // bootstrap servers is turned off.
        host = try RdKafkaClient(.producer, properties: ["client.id": "embedded-broker", "log_level": "0"])
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(brokers)) else {
            throw KafkaError(operation: .startBroker, code: .state, message: "librdkafka could not start a mock cluster")
        }
        self.cluster = cluster
        brokerIDs = 1...Int32(brokers)
        // Before librdkafka 2.1 the mock answers Metadata only up to version 2, which has no
        // AllowAutoTopicCreation flag, so every request for an unknown topic created it. Its
        // handler reads and answers version 4 correctly; offering it makes clients'
        // `allow.auto.create.topics=false` hold. (Later versions offer 9 or more themselves.)
        if rd_kafka_version() < 0x0201_0000 {
            _ = rd_kafka_mock_set_apiversion(cluster, 3 /* Metadata */, 0, 4)
        }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    var bootstrapServers: String {
        String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws {
        try KafkaError.check(rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor)),
                             .createTopic)
    }

    /// Takes every broker down (connections dropped, new ones refused) or brings them back.
    func setBrokersUp(_ up: Bool) {
        _ = up ? rd_kafka_mock_broker_set_up(cluster, -1) : rd_kafka_mock_broker_set_down(cluster, -1)
    }

    func pushRequestErrors(apiKey: Int16, _ errors: [KafkaErrorCode]) {
        let codes = errors.map(\.librdkafkaCode)
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, codes)
    }

    /// Holds back every broker's answer to its next request of this kind by `milliseconds`; the
    /// request itself is served as usual.
    func delayNextResponse(apiKey: Int16, milliseconds: Int32) {
        for broker in brokerIDs {
            _ = routeledger_mock_push_request_error_rtt(cluster, broker, apiKey, RD_KAFKA_RESP_ERR_NO_ERROR, milliseconds)
        }
    }

    /// The delays of `delayNextResponse` for this kind that requests have not used yet, over all brokers.
    func pendingResponseDelays(apiKey: Int16) -> Int {
        brokerIDs.reduce(0) { total, broker in
            var count = 0
            _ = rd_kafka_mock_broker_error_stack_cnt(cluster, broker, apiKey, &count)
            return total + count
        }
    }
}
