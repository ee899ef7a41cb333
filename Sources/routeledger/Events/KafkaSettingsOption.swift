import Foundation
import Kafka
import Pipeline

/// Where `produce` and `tail` find Kafka: the run configuration (`--config`, with the
/// environment's overrides, as `routeledger run` reads it) or `--bootstrap-servers` alone.
struct KafkaSettingsOption {
    static let options: [Option] = [
        .value("config", "FILE", "The run configuration: kafka.bootstrap_servers and the Kafka properties, with the environment's overrides, as 'routeledger run' reads it."),
        .value("bootstrap-servers", "HOST:PORT", "The brokers (comma-separated) and librdkafka's defaults for everything else; instead of --config."),
    ]

    /// The run configuration, when the settings come from one.
    let configuration: RouteLedgerConfiguration?
    private let bootstrapServers: String

    init(_ arguments: ParsedArguments) throws {
        switch (arguments.string("config"), arguments.string("bootstrap-servers")) {
        case (nil, nil):
            throw UsageError("give the Kafka settings: option '--config FILE' or '--bootstrap-servers HOST:PORT'")
        case (.some, .some):
            throw UsageError("options '--config' and '--bootstrap-servers' exclude each other (the configuration names its brokers)")
        case (let file?, nil):
            let configuration = try ConfigurationOption.load(file)
            self.configuration = configuration
            bootstrapServers = configuration.kafka.bootstrapServers
        case (nil, let servers?):
            guard !servers.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw UsageError("option '--bootstrap-servers' needs at least one HOST:PORT")
            }
            configuration = nil
            bootstrapServers = servers
        }
    }

    func producer() -> KafkaProducerConfiguration {
        configuration?.kafkaProducer() ?? KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
    }

    func consumer(group: String) -> KafkaConsumerConfiguration {
        configuration?.kafkaConsumer(group: group) ?? KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: group)
    }
}
