import Foundation
import Kafka
import Testing

/// The embedded broker does not isolate transactions (records of aborted ones stay visible and
/// offsets sent in a transaction are not stored), so these tests check what it does implement:
/// the transactional protocol runs to completion and committed records arrive. Against an
/// external broker they also check that the offsets are committed with the transaction.
@Suite struct TransactionTests {
    @Test func consumeTransformProduceCommitsWithTheConsumerOffsetsInTheTransaction() throws {
        let input = TestKafkaBroker.uniqueName("txn-in")
        let output = TestKafkaBroker.uniqueName("txn-out")
        let broker = try TestKafkaBroker(partitions: 2, topics: [input, output])
        let source = try KafkaProducer(configuration: broker.producerConfiguration())
        for sequence in 0..<20 {
            try source.send(topic: input, key: Data("k\(sequence % 4)".utf8), value: Data("\(sequence)".utf8))
        }
        try source.flush(timeout: .seconds(30)).requireDelivered()

        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        try consumer.subscribe(topics: [input])
        let batch = try consumer.poll(count: 20, within: .seconds(30))
        try #require(batch.count == 20)

        let producer = try KafkaProducer(configuration: broker.producerConfiguration(transactionalID: TestKafkaBroker.uniqueName("txn")))
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        for message in batch {
            try producer.send(topic: output, key: message.key, value: Data("doubled \(Int(String(decoding: message.value, as: UTF8.self))! * 2)".utf8))
        }
        let offsets = KafkaTopicPartitionOffset.committing(batch)
        try producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata(), timeout: .seconds(30))
        try producer.commitTransaction(timeout: .seconds(30))
        let reports = try producer.flush(timeout: .seconds(5))
        #expect(reports.count == 20)
        try reports.requireDelivered()
        if broker.embedded == nil {
            // A real broker commits the offsets for the group with the transaction.
            #expect(Set(try consumer.committed(offsets.map(\.topicPartition), timeout: .seconds(10))) == Set(offsets))
        }
        try consumer.close()

        let reader = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        try reader.subscribe(topics: [output])
        let produced = try reader.poll(count: 20, within: .seconds(30))
        try reader.close()
        #expect(Set(produced.map { String(decoding: $0.value, as: UTF8.self) }) == Set((0..<20).map { "doubled \($0 * 2)" }))
    }

    @Test func anAbortedTransactionLeavesTheProducerReadyForTheNextOne() throws {
        let output = TestKafkaBroker.uniqueName("txn-abort")
        let broker = try TestKafkaBroker(partitions: 1, topics: [output])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(transactionalID: TestKafkaBroker.uniqueName("txn")))
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        try producer.send(topic: output, value: Data("aborted".utf8))
        try producer.abortTransaction(timeout: .seconds(30))

        try producer.beginTransaction()
        let kept = try producer.send(topic: output, value: Data("committed".utf8))
        try producer.commitTransaction(timeout: .seconds(30))
        let reports = try producer.flush(timeout: .seconds(5))
        #expect(reports.first { $0.id == kept }?.isDelivered == true)
    }

    @Test func sendingOutsideAnOpenTransactionIsRefused() throws {
        let output = TestKafkaBroker.uniqueName("txn-closed")
        let broker = try TestKafkaBroker(partitions: 1, topics: [output])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(transactionalID: TestKafkaBroker.uniqueName("txn")))
        try producer.initTransactions(timeout: .seconds(30))
        let error = #expect(throws: KafkaError.self) { try producer.send(topic: output, value: Data("x".utf8)) }
        #expect(error?.operation == .produce)
        #expect(throws: KafkaError.self) { try producer.commitTransaction(timeout: .seconds(5)) }
    }
}
