/// A Kafka-protocol broker inside this process: librdkafka's mock cluster, for tests, the quick
/// start and `routeledger broker`.
///
/// It speaks the real protocol on loopback ports, so any Kafka client can use
/// `bootstrapServers`. Its limits (librdkafka 2.0): no transaction isolation (records of
/// aborted transactions stay visible to `read_committed` readers, and offsets sent in a
/// transaction are not stored); each partition keeps at most 5 MiB or 100,000 batches,
/// dropping the oldest; nothing else expires; and a consumer joining a group waits its
/// `session.timeout.ms` for other members before the group forms, so tests use short sessions.
/// Topics are never created on demand: name them here or with `createTopic`.
public final class EmbeddedBroker: Sendable {
    private let cluster: RdKafkaMockCluster

    /// `host:port,…` of the brokers.
    public let bootstrapServers: String
    /// Partitions of the topics created at start, and of `createTopic` without a count.
    public let defaultPartitions: Int

    /// Starts the cluster and creates `topics`, each with `partitions` partitions.
    public init(brokers: Int = 1, partitions: Int = 3, topics: [String] = []) throws {
        guard brokers >= 1, partitions >= 1 else {
            throw KafkaError(operation: .startBroker, code: .invalidArgument,
                             message: "an embedded broker needs at least one broker and one partition per topic")
        }
        cluster = try RdKafkaMockCluster(brokers: brokers)
        bootstrapServers = cluster.bootstrapServers
        defaultPartitions = partitions
        for topic in topics {
            try createTopic(topic)
        }
    }

    /// Settings for producers that talk to this broker. The mock writes its responses on sockets
    /// with Nagle's algorithm on, so when a client pipelines requests, every response after the
    /// first waits for the client's delayed acknowledgement (about 40 ms): one request in flight
    /// per connection avoids that, making a transaction of a few hundred records ~30× faster.
    public static let producerProperties: KafkaProperties = ["max.in.flight.requests.per.connection": "1"]

    public func createTopic(_ name: String, partitions: Int? = nil) throws {
        if let problem = KafkaTopicName.problem(with: name) {
            throw KafkaError(operation: .createTopic, code: .invalidArgument, message: problem)
        }
        try cluster.createTopic(name, partitions: partitions ?? defaultPartitions, replicationFactor: 1)
    }

    /// A Kafka protocol request kind whose responses can be made to fail.
    public enum Request: Int16, Sendable {
        case produce = 0, fetch = 1, listOffsets = 2, metadata = 3, offsetCommit = 8, offsetFetch = 9
        case findCoordinator = 10, joinGroup = 11, heartbeat = 12, syncGroup = 14
        case initProducerID = 22, addPartitionsToTransaction = 24, addOffsetsToTransaction = 25
        case endTransaction = 26, transactionOffsetCommit = 28
    }

    /// Takes the brokers down: their connections drop and new ones are refused until `bringUp`,
    /// the way to test how clients live through a broker outage. Records are kept.
    public func takeDown() {
        cluster.setBrokersUp(false)
    }

    public func bringUp() {
        cluster.setBrokersUp(true)
    }

    /// Makes the next requests of this kind (to any broker) fail with these errors, one each,
    /// in order: the way to test how clients handle a broker's refusal.
    public func failNextRequests(_ request: Request, with errors: [KafkaErrorCode]) {
        cluster.pushRequestErrors(apiKey: request.rawValue, errors)
    }

    /// Holds back the answer to the next request of this kind (on each broker) by `delay`, the
    /// request itself served as usual: the way to hold a client in the middle of an exchange,
    /// such as a consumer between joining its group and receiving its assignment.
    public func delayNextResponse(to request: Request, by delay: Duration) {
        cluster.delayNextResponse(apiKey: request.rawValue, milliseconds: RdKafkaClient.timeoutMilliseconds(delay))
    }

    /// How many of the delays set by `delayNextResponse` for this kind no request has met yet:
    /// 0 once every broker has received such a request.
    public func pendingResponseDelays(to request: Request) -> Int {
        cluster.pendingResponseDelays(apiKey: request.rawValue)
    }
}
