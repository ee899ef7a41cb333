import Kafka

extension RouteLedgerConfiguration {
    /// librdkafka properties the stages set themselves, and what decides each instead: set in
    /// `kafka.*properties`, they would change what the stages rely on (or be silently replaced).
    static let stageOwnedKafkaProperties: KeyValuePairs<String, String> = [
        "bootstrap.servers": "set kafka.bootstrap_servers (or KAFKA_BOOTSTRAP_SERVERS)",
        "group.id": "the stages' groups are kafka.group_id, learning.group_id and ledger.group_id",
        "transactional.id": "set kafka.transactional_id",
        "enable.auto.commit": "the stages commit offsets themselves",
        "enable.auto.offset.store": "the stages commit offsets themselves",
        "isolation.level": "the stages read committed records only",
        "enable.idempotence": "the producers are always idempotent",
    ]

    /// Stage-owned properties set in any of the three property maps, each named by its setting.
    func stageOwnedPropertyProblems() -> [String] {
        let maps = [("kafka.properties", kafka.properties), ("kafka.consumer_properties", kafka.consumerProperties),
                    ("kafka.producer_properties", kafka.producerProperties)]
        return maps.flatMap { setting, properties in
            Self.stageOwnedKafkaProperties.filter { properties[$0.key] != nil }.map { "\(setting): '\($0.key)' cannot be set: \($0.value)" }
        }
    }

    /// Throws what librdkafka finds wrong with the clients the stages will create (an unknown
    /// property, a bad value, settings that do not go together), one problem per message with
    /// the kinds of client it concerns. Secret values are never quoted. `run` calls this once
    /// before any stage starts: a stage that met the error would restart its session for ever.
    public func validateKafkaClients() throws(ConfigurationError) {
        var clients: [(kind: String, validate: () throws -> Void)] = [
            ("consumer", kafkaConsumer(group: kafka.groupID).validate), ("producer", kafkaProducer().validate),
        ]
        if exactlyOnce { clients.append(("transactional producer", kafkaProducer(transactionalID: kafka.transactionalID).validate)) }
        var messages: [String] = []
        var kinds: [String: [String]] = [:]
        for client in clients {
            do {
                try client.validate()
            } catch {
                let message = (error as? KafkaError)?.message ?? "\(error)"
                if kinds[message] == nil { messages.append(message) }
                kinds[message, default: []].append(client.kind)
            }
        }
        guard messages.isEmpty else {
            throw ConfigurationError(problems: messages.map { "kafka settings (\(kinds[$0]!.joined(separator: ", "))): \($0)" })
        }
    }
}
