import CRdKafka

/// librdkafka's in-process Kafka-protocol mock cluster and the handle that hosts it.
final class RdKafkaMockCluster: @unchecked Sendable {
    // The hosting client must outlive the cluster: the cluster runs on the client's threads.
    private let host: RdKafkaClient
    private let cluster: OpaquePointer

    init(brokers: Int) throws {
        // A client with no broker of its own: it only hosts the cluster. Its log of the missing
        // bootstrap servers is turned off.
        host = try RdKafkaClient(.producer, properties: ["client.id": "embedded-broker", "log_level": "0"])
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(brokers)) else {
            throw KafkaError(operation: .startBroker, code: .state, message: "librdkafka could not start a mock cluster")
        }
        self.cluster = cluster
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
}
