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
}
