import Foundation

/// The broker a test talks to: an external one when `KAFKA_BOOTSTRAP_SERVERS` is set, otherwise
/// a fresh ``EmbeddedBroker`` in this process. The same test then runs against either.
///
/// Tests create their topics through it (with unique names, so runs against a long-lived external
/// broker do not see each other's records) and take client configurations from it, which carry
/// a session timeout suited to the broker: on the embedded broker a short one (its group joins
/// wait the session timeout less a second, the first one 3 s, and a member must outlast that
/// wait); the smallest a real broker accepts otherwise.
public final class TestKafkaBroker: Sendable {
    public static let environmentVariable = "KAFKA_BOOTSTRAP_SERVERS"

    public let bootstrapServers: String
    /// The in-process broker, or nil when the tests use an external one.
    public let embedded: EmbeddedBroker?
    public let partitions: Int

    /// Whether tests run against an in-process broker (no external one configured).
    public static var usesEmbeddedBroker: Bool {
        ProcessInfo.processInfo.environment[environmentVariable].map(\.isEmpty) ?? true
    }

    /// Logged once per test process, so a run's output shows which broker and library it tested.
    private static let announcement: Void = {
        let broker = ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : "external broker \($0)" }
        FileHandle.standardError.write(Data("TestKafkaBroker: \(broker ?? "embedded broker"), librdkafka \(KafkaLibrary.version)\n".utf8))
    }()

    /// Connects to the external broker or starts an embedded one, and creates `topics`.
    public init(partitions: Int = 3, topics: [String] = []) throws {
        Self.announcement
        self.partitions = partitions
        if let external = ProcessInfo.processInfo.environment[Self.environmentVariable], !external.isEmpty {
            bootstrapServers = external
            embedded = nil
        } else {
            let broker = try EmbeddedBroker(partitions: partitions)
            bootstrapServers = broker.bootstrapServers
            embedded = broker
        }
        if !topics.isEmpty { try createTopics(topics) }
    }

    /// A topic name no other test or run uses.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func createTopics(_ names: [String], partitions: Int? = nil) throws {
        let count = partitions ?? self.partitions
        if let embedded {
            for name in names { try embedded.createTopic(name, partitions: count) }
        } else {
            let admin = try RdKafkaClient(.producer, properties: ["bootstrap.servers": bootstrapServers])
            try admin.createTopics(names, partitions: count, replicationFactor: 1, timeout: .seconds(30))
        }
    }

    /// How long a consumer's session lasts in tests.
    public var sessionTimeout: Duration { embedded == nil ? .seconds(6) : .seconds(4) }

    public func consumerConfiguration(group: String, rebalancing: KafkaRebalancing = .cooperative) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: group)
        configuration.rebalancing = rebalancing
        configuration.sessionTimeout = sessionTimeout
        return configuration
    }

    /// Producer settings for this broker, as a pipeline configuration takes them.
    public var producerProperties: [String: String] {
        embedded == nil ? [:] : Dictionary(uniqueKeysWithValues: EmbeddedBroker.producerProperties.entries.map { ($0.key, $0.value) })
    }

    public func producerConfiguration(transactionalID: String? = nil) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers, transactionalID: transactionalID)
        if embedded != nil { configuration.properties = EmbeddedBroker.producerProperties }
        return configuration
    }
}
