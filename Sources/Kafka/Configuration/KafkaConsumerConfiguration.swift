/// Settings of a ``KafkaConsumer``: a member of a consumer group that commits offsets itself.
///
/// The typed fields cover what a stage decides; `properties` passes any further librdkafka
/// setting (TLS, SASL, fetch tuning) and replaces a typed field's setting when it names the same
/// key. Offsets are always committed by the application (`enable.auto.commit` and
/// `enable.auto.offset.store` are off and cannot be turned on), and topics are never created by
/// subscribing (`allow.auto.create.topics=false`).
public struct KafkaConsumerConfiguration: Sendable {
    /// Comma-separated `host:port` list (`bootstrap.servers`).
    public var bootstrapServers: String
    /// The consumer group (`group.id`).
    public var groupID: String
    /// Default `.cooperative`.
    public var rebalancing: KafkaRebalancing = .cooperative
    /// Where a partition without a committed offset starts (`auto.offset.reset`): default the
    /// earliest record, so a new group reads everything that is retained.
    public var startFromEarliest = true
    /// How long the group waits for a silent member before moving its partitions
    /// (`session.timeout.ms`, default 45 s). Heartbeats are sent at a third of it, at most every 3 s.
    public var sessionTimeout: Duration = .seconds(45)
    /// Read only committed transactional records (`isolation.level=read_committed`, default true).
    public var readCommitted = true
    /// `client.id`, shown in broker logs and metrics.
    public var clientID = "routeledger"
    /// Further librdkafka settings; they win over the typed fields above.
    public var properties = KafkaProperties()

    public init(bootstrapServers: String, groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// Settings the consumer relies on for manual offset management; refused in `properties`.
    static let managedKeys = ["enable.auto.commit", "enable.auto.offset.store"]

    /// Everything as librdkafka settings: the one place where the typed fields become properties.
    public func librdkafkaProperties() throws -> KafkaProperties {
        let session = sessionTimeout.wholeMilliseconds
        var base: KafkaProperties = [
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "client.id": clientID,
            "partition.assignment.strategy": rebalancing.assignmentStrategy,
            "auto.offset.reset": startFromEarliest ? "earliest" : "latest",
            "session.timeout.ms": "\(session)",
            "heartbeat.interval.ms": "\(max(1, min(3_000, session / 3)))",
            "isolation.level": readCommitted ? "read_committed" : "read_uncommitted",
            "allow.auto.create.topics": "false",
        ]
        try properties.refuse(Self.managedKeys, reason: "offsets are committed by the application")
        base = base.merging(properties)
        base["enable.auto.commit"] = "false"
        base["enable.auto.offset.store"] = "false"
        return base
    }

    /// Checks every setting, and the settings together, as librdkafka does when it creates the
    /// client: the errors a client would meet at its start, found before anything starts.
    public func validate() throws {
        try RdKafkaConfiguration.validate(try librdkafkaProperties(), as: .consumer)
    }
}
