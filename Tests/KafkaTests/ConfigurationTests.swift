@testable import Kafka
import Testing

@Suite struct ConfigurationTests {
    @Test func anUnknownLibrdkafkaPropertyIsRefusedByName() throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: "localhost:9092", groupID: "g")
        configuration.properties["fetch.wait.max.millis"] = "100"
        let error = #expect(throws: KafkaError.self) { try configuration.validate() }
        #expect(error?.operation == .configure)
        #expect(error?.message.contains("'fetch.wait.max.millis'") == true)
        #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: configuration) }
    }

    @Test func anInvalidValueIsRefusedNamingTheProperty() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: "localhost:9092")
        configuration.properties["security.protocol"] = "carrier-pigeon"
        let error = #expect(throws: KafkaError.self) { try configuration.validate() }
        #expect(error?.message.contains("'security.protocol'") == true)
    }

    @Test func settingsTheClientReliesOnCannotBeOverridden() throws {
        var consumer = KafkaConsumerConfiguration(bootstrapServers: "localhost:9092", groupID: "g")
        consumer.properties["enable.auto.commit"] = "true"
        #expect(throws: KafkaError.self) { try consumer.librdkafkaProperties() }
        var producer = KafkaProducerConfiguration(bootstrapServers: "localhost:9092")
        producer.properties["enable.idempotence"] = "false"
        #expect(throws: KafkaError.self) { try producer.librdkafkaProperties() }
    }

    @Test func tlsAndSaslSettingsPassThroughAndWinOverTypedFields() throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: "broker:9093", groupID: "g")
        configuration.properties = [
            "security.protocol": "sasl_ssl", "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": "router", "sasl.password": "hunter2", "auto.offset.reset": "latest",
        ]
        try configuration.validate()
        let properties = try configuration.librdkafkaProperties()
        #expect(properties["sasl.password"] == "hunter2")
        #expect(properties["auto.offset.reset"] == "latest")
        #expect(properties["enable.auto.commit"] == "false")
        #expect(properties["allow.auto.create.topics"] == "false")
    }

    @Test func secretsAreRedactedInEveryDescription() throws {
        let secrets = ["sasl.password": "hunter2", "ssl.key.password": "s3cret-key", "ssl.keystore.password": "ks-pass",
                       "sasl.oauthbearer.client.secret": "oauth-secret", "ssl.key.pem": "-----BEGIN PRIVATE KEY-----abc"]
        var configuration = KafkaProducerConfiguration(bootstrapServers: "broker:9093")
        configuration.properties = KafkaProperties(secrets.map { ($0.key, $0.value) })
        configuration.properties["sasl.username"] = "router"
        let description = try configuration.librdkafkaProperties().description
        for (key, value) in secrets {
            #expect(!description.contains(value), "\(key)'s value shows in \(description)")
            #expect(description.contains("\(key)=[redacted]"))
        }
        #expect(description.contains("sasl.username=router"))

        // However the configuration is printed: description, debug description, or a dump.
        var dumped = ""
        dump(configuration, to: &dumped)
        for shown in [String(describing: configuration), String(reflecting: configuration), dumped] {
            for value in secrets.values { #expect(!shown.contains(value), "a secret shows in \(shown)") }
        }
    }

    @Test func topicNamesFollowKafkasRule() {
        #expect(KafkaTopicName.problem(with: "llm.route.gpt-4-1106-preview") == nil)
        #expect(KafkaTopicName.problem(with: "a_b-c.D9") == nil)
        for bad in ["", ".", "..", "llm/queries", "llm queries", "llm.été", String(repeating: "x", count: 250)] {
            #expect(KafkaTopicName.problem(with: bad) != nil, "'\(bad)' accepted")
        }
        #expect(KafkaTopicName.problem(with: String(repeating: "x", count: 249)) == nil)
    }
}

/// librdkafka's reasons are free text that may quote a value.
@Suite struct RedactionTests {
    @Test func secretValuesQuotedInAMessageAreBlankedOut() {
        let properties: KafkaProperties = ["sasl.username": "router", "sasl.password": "hunter2", "ssl.key.password": ""]
        #expect(properties.redacting("login router:hunter2 failed (hunter2)") == "login router:[redacted] failed ([redacted])")
    }
}
