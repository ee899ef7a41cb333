import Kafka

extension RouteLedgerConfiguration {
    /// A consumer in `group` with the shared Kafka settings and the consumers' own on top.
    public func kafkaConsumer(group: String) -> KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(bootstrapServers: kafka.bootstrapServers, groupID: group)
        consumer.properties = KafkaProperties(kafka.properties.merging(kafka.consumerProperties) { $1 }.map { ($0.key, $0.value) })
        return consumer
    }

    /// A producer with the shared Kafka settings and the producers' own on top.
    public func kafkaProducer(transactionalID: String? = nil) -> KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(bootstrapServers: kafka.bootstrapServers, transactionalID: transactionalID)
        producer.properties = KafkaProperties(kafka.properties.merging(kafka.producerProperties) { $1 }.map { ($0.key, $0.value) })
        return producer
    }

    /// Points every client at an embedded broker, with the producer settings it needs where
    /// the configuration gives none of its own.
    public mutating func use(_ broker: EmbeddedBroker) {
        kafka.bootstrapServers = broker.bootstrapServers
        kafka.producerProperties.merge(EmbeddedBroker.producerProperties.entries.map { ($0.key, $0.value) }) { current, _ in current }
    }
}
