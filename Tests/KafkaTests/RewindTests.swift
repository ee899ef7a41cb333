import Foundation
import Kafka
import Testing

@Suite struct RewindTests {
    @Test func rewindingReturnsTheUncommittedRecordsAgainAndNotTheCommittedOnes() throws {
        let topic = TestKafkaBroker.uniqueName("rewind")
        let broker = try TestKafkaBroker(partitions: 1, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for sequence in 0..<10 { try producer.send(topic: topic, value: Data("\(sequence)".utf8)) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        try consumer.subscribe(topics: [topic])
        let all = try consumer.poll(count: 10, within: .seconds(30))
        try #require(all.count == 10)
        try consumer.commit(KafkaTopicPartitionOffset.committing(all.prefix(4)))

        try consumer.rewindToCommitted(timeout: .seconds(10))
        let again = try consumer.poll(count: 6, within: .seconds(30))
        try consumer.close()
        #expect(again.map(\.offset) == all.suffix(6).map(\.offset))
        #expect(again.map(\.value) == all.suffix(6).map(\.value))
    }

    @Test func rewindingWithNothingCommittedStartsFromTheBeginning() throws {
        let topic = TestKafkaBroker.uniqueName("rewind-none")
        let broker = try TestKafkaBroker(partitions: 1, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for sequence in 0..<3 { try producer.send(topic: topic, value: Data("\(sequence)".utf8)) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        try consumer.subscribe(topics: [topic])
        let first = try consumer.poll(count: 3, within: .seconds(30))
        try consumer.rewindToCommitted(timeout: .seconds(10))
        let again = try consumer.poll(count: 3, within: .seconds(30))
        try consumer.close()
        #expect(first.count == 3)
        #expect(again.map(\.offset) == first.map(\.offset))
    }
}
