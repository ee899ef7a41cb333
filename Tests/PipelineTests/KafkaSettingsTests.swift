import Foundation
import Testing
@testable import Pipeline

/// Kafka settings from the configuration are checked at start, so a mistake stops `run` with
/// the property named instead of failing every stage session for ever.
@Suite struct KafkaSettingsTests {
    private static let secret = "TOPSECRET-4711"

    private func problems(_ properties: [String: String], consumer: [String: String] = [:], producer: [String: String] = [:],
                          exactlyOnce: Bool = false) -> [String] {
        var configuration = RouteLedgerConfiguration()
        configuration.kafka.properties = properties
        configuration.kafka.consumerProperties = consumer
        configuration.kafka.producerProperties = producer
        configuration.exactlyOnce = exactlyOnce
        do {
            try configuration.validateKafkaClients()
            return []
        } catch {
            return error.problems
        }
    }

    @Test func propertiesTheStagesSetThemselvesAreRefusedNamingThem() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-owned-\(UUID().uuidString).json")
        try Data("""
            {"kafka": {"properties": {"enable.auto.commit": "true", "bootstrap.servers": "elsewhere:9092"},
                       "consumer_properties": {"group.id": "other", "isolation.level": "read_uncommitted"},
                       "producer_properties": {"transactional.id": "t", "enable.idempotence": "false", "linger.ms": "5"}},
             "models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                        {"name": "weak", "input_per_million": "1", "output_per_million": "2"}],
             "routing": {"strong": "strong", "weak": "weak"}, "memory": "/m"}
            """.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: ConfigurationError.self) { try RouteLedgerConfiguration.load(file: file, environment: [:]) }
        let found = error?.problems ?? []
        let owned = [("kafka.properties", "enable.auto.commit"), ("kafka.properties", "bootstrap.servers"),
                     ("kafka.consumer_properties", "group.id"), ("kafka.consumer_properties", "isolation.level"),
                     ("kafka.producer_properties", "transactional.id"), ("kafka.producer_properties", "enable.idempotence")]
        for (setting, key) in owned {
            #expect(found.contains { $0.hasPrefix("\(setting): '\(key)' cannot be set: ") }, "\(setting) \(key) not refused")
        }
        #expect(found.count == owned.count, "linger.ms is the producers' to tune: \(found)")
    }

    @Test func anInvalidSecurityProtocolIsRefusedNamingTheProperty() {
        let found = problems(["security.protocol": "carrier-pigeon"])
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("kafka settings (consumer, producer): invalid value for librdkafka property 'security.protocol'") == true)
    }

    /// librdkafka accepts any string as a mechanism; only creating a client tells.
    @Test func aSASLMechanismLibrdkafkaDoesNotKnowIsRefused() {
        let found = problems(["security.protocol": "sasl_plaintext", "sasl.mechanisms": "SCRAM-SHA-999", "sasl.username": "router",
                              "sasl.password": Self.secret])
        #expect(found.count == 1)
        #expect(found.first?.contains("SCRAM-SHA-999") == true, "\(found)")
        #expect(found.first?.contains(Self.secret) == false)
    }

    /// Whichever secret setting is wrong, or comes with one that is, its value is not shown.
    @Test func badSecretSettingsAreRefusedWithoutShowingTheSecret() {
        let cases: [[String: String]] = [
            // OAuth/OIDC: this build of librdkafka has no libcurl for it.
            ["security.protocol": "sasl_ssl", "sasl.mechanisms": "OAUTHBEARER", "sasl.oauthbearer.method": "oidc",
             "sasl.oauthbearer.client.id": "router", "sasl.oauthbearer.client.secret": Self.secret],
            ["security.protocol": "ssl", "ssl.key.location": "/nonexistent/key.pem", "ssl.key.password": Self.secret],
            ["security.protocol": "ssl", "ssl.key.pem": Self.secret],
        ]
        for properties in cases {
            let found = problems(properties)
            #expect(found.count == 1, "\(properties.keys.sorted()) accepted")
            #expect(!found.joined().contains(Self.secret), "\(found)")
        }
    }

    @Test func anUnknownPropertyIsRefusedForTheClientsItWasGivenTo() {
        #expect(problems([:], consumer: ["fetch.wait.max.millis": "100"])
                == ["kafka settings (consumer): unknown librdkafka property 'fetch.wait.max.millis'"])
    }

    /// With exactly_once the route stage's producer is transactional, and librdkafka checks
    /// its delivery time-out against the transaction's (60 s).
    @Test func theTransactionalProducerIsCheckedWithExactlyOnce() {
        let producer = ["message.timeout.ms": "120000"]
        #expect(problems([:], producer: producer) == [])
        let found = problems([:], producer: producer, exactlyOnce: true)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("kafka settings (transactional producer): ") == true)
    }

    @Test func validTLSAndSASLSettingsPass() {
        #expect(problems(["security.protocol": "sasl_ssl", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "router",
                          "sasl.password": Self.secret, "socket.timeout.ms": "30000"], exactlyOnce: true) == [])
    }
}
