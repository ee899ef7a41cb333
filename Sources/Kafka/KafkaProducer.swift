import Foundation

/// An idempotent producer, transactional when configured with a `transactionalID`.
///
/// `send` hands a message over and returns its id at once; librdkafka batches and delivers it
/// in the background, and its ``KafkaDeliveryReport`` comes back from `flush` (or
/// `deliveryReports`). In a transaction, `commitTransaction` waits for every delivery, and a
/// failed delivery makes it fail, so the transaction's outcome is the messages' outcome.
///
/// Exactly-once consume–transform–produce:
/// ```swift
/// try producer.initTransactions(timeout: .seconds(30))        // once
/// let batch = try consumer.poll(maxMessages: 500, timeout: .seconds(1))
/// try producer.beginTransaction()
/// for message in batch { try producer.send(topic: "out", key: message.key, value: transform(message.value)) }
/// try producer.sendOffsetsToTransaction(KafkaTopicPartitionOffset.committing(batch),
///                                       groupMetadata: try consumer.groupMetadata(), timeout: .seconds(30))
/// try producer.commitTransaction(timeout: .seconds(30))      // on an abort-class error: abortTransaction
/// ```
public final class KafkaProducer: Sendable {
    private let client: RdKafkaClient

    public init(configuration: KafkaProducerConfiguration) throws {
        client = try RdKafkaClient(.producer, properties: try configuration.librdkafkaProperties())
    }

    /// Hands a message over for delivery and returns the id its delivery report will carry.
    /// Blocks only while librdkafka's send queue is full. Throws when the message is refused at
    /// once (too large, unknown partition, fatal producer error, no transaction begun when one
    /// is required).
    @discardableResult
    public func send(topic: String, partition: KafkaPartition = .unassigned, key: Data? = nil, value: Data,
                     headers: [KafkaHeader] = []) throws -> KafkaMessageID {
        let id = client.events.nextMessageID()
        try client.produce(id: id, topic: topic, partition: partition, key: key, value: value, headers: headers)
        client.serve(timeout: .zero)
        return id
    }

    /// Delivery reports that arrived since the last collection, without waiting.
    public func deliveryReports() -> [KafkaDeliveryReport] {
        client.serve(timeout: .zero)
        return client.events.takeDeliveries()
    }

    /// Waits until every message sent so far is delivered or failed, and returns the reports
    /// not yet collected. `reports.requireDelivered()` turns a failure into a thrown error.
    ///
    /// Throws (`_TIMED_OUT`) when deliveries are still outstanding after `timeout`; the reports
    /// that did arrive stay for the next call.
    public func flush(timeout: Duration) throws -> [KafkaDeliveryReport] {
        guard client.flush(timeout: timeout) else {
            throw KafkaError(operation: .flush, code: .timedOut, isRetriable: true)
        }
        return client.events.takeDeliveries()
    }

    /// Messages (and librdkafka requests) still waiting for a delivery report.
    public var outstandingCount: Int { client.outstandingCount }

    /// Registers the transactional id with the cluster, fencing older producers with the same
    /// id and finishing any transaction they left open. Call once, before the first transaction.
    public func initTransactions(timeout: Duration) throws {
        try client.initTransactions(timeout: timeout)
    }

    public func beginTransaction() throws {
        try client.beginTransaction()
    }

    /// Adds a consumer's offsets to the open transaction: they are committed for its group if,
    /// and only if, the transaction commits.
    public func sendOffsetsToTransaction(_ offsets: [KafkaTopicPartitionOffset], groupMetadata: KafkaConsumerGroupMetadata,
                                         timeout: Duration) throws {
        guard !offsets.isEmpty else { return }
        try client.sendOffsetsToTransaction(offsets, groupMetadata: groupMetadata, timeout: timeout)
    }

    /// Flushes and commits the open transaction. On an error with `transactionRequiresAbort`,
    /// call `abortTransaction`; on a retriable one, call this again; a fatal one ends the producer.
    public func commitTransaction(timeout: Duration) throws {
        try client.commitTransaction(timeout: timeout)
    }

    /// Aborts the open transaction: its messages are discarded for `read_committed` readers and
    /// its offsets are not committed, so the consumer must go back to its last committed offsets.
    public func abortTransaction(timeout: Duration) throws {
        try client.abortTransaction(timeout: timeout)
    }
}
