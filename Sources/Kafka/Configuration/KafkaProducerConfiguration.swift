/// Settings of a ``KafkaProducer``.
///
/// The producer is always idempotent (`enable.idempotence=true`: no duplicates or reordering
/// from its own retries, `acks=all`). With a `transactionalID` it is also transactional, which
/// the route stage uses for exactly-once consume–transform–produce. `properties` passes any
/// further librdkafka setting and wins over the typed fields.
public struct KafkaProducerConfiguration: Sendable {
    /// Comma-separated `host:port` list (`bootstrap.servers`).
    public var bootstrapServers: String
    /// `transactional.id`: stable per producing instance (a restarted instance fences its
    /// predecessor). Nil for a producer without transactions.
    public var transactionalID: String?
    /// How long a transaction may stay open before the broker aborts it
    /// (`transaction.timeout.ms`, default 60 s).
    public var transactionTimeout: Duration = .seconds(60)
    /// How long librdkafka keeps trying to deliver a message before reporting it failed
    /// (`message.timeout.ms`). Default: librdkafka's 5 minutes, or the transaction timeout for a
    /// transactional producer (librdkafka requires it to be no longer).
    public var deliveryTimeout: Duration?
    /// `client.id`, shown in broker logs and metrics.
    public var clientID = "routeledger"
    /// Further librdkafka settings; they win over the typed fields above.
    public var properties = KafkaProperties()

    public init(bootstrapServers: String, transactionalID: String? = nil) {
        self.bootstrapServers = bootstrapServers
        self.transactionalID = transactionalID
    }

    /// Everything as librdkafka settings: the one place where the typed fields become properties.
    public func librdkafkaProperties() throws -> KafkaProperties {
        var base: KafkaProperties = [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            // Topics are provisioned, not created by a typo in a producer's topic name.
            "allow.auto.create.topics": "false",
            // Key hashing as the Java client does it, so keyed records from any client meet in
            // the same partition.
            "partitioner": "murmur2_random",
        ]
        if let transactionalID {
            base["transactional.id"] = transactionalID
            base["transaction.timeout.ms"] = "\(transactionTimeout.wholeMilliseconds)"
        }
        if let timeout = deliveryTimeout ?? (transactionalID == nil ? nil : transactionTimeout) {
            base["message.timeout.ms"] = "\(timeout.wholeMilliseconds)"
        }
        try properties.refuse(["enable.idempotence"], reason: "the producer is always idempotent")
        base = base.merging(properties)
        base["enable.idempotence"] = "true"
        return base
    }

    /// Checks every setting, and the settings together, as librdkafka does when it creates the
    /// client: the errors a client would meet at its start, found before anything starts.
    public func validate() throws {
        try RdKafkaConfiguration.validate(try librdkafkaProperties(), as: .producer)
    }
}
