import Foundation
import Kafka
import Synchronization
import Testing

/// Offsets kept outside Kafka: the application says where each assigned partition starts.
@Suite struct StartingOffsetsTests {
    private struct Refused: Error, CustomStringConvertible {
        var description: String { "the offset store is down" }
    }

    /// Ten records in each of two partitions, sent to the partitions explicitly.
    private func producedTopic(_ broker: TestKafkaBroker) throws -> String {
        let topic = TestKafkaBroker.uniqueName("starting")
        try broker.createTopics([topic], partitions: 2)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for partition in 0..<2 {
            for sequence in 0..<10 {
                try producer.send(topic: topic, partition: KafkaPartition(rawValue: Int32(partition)),
                                  value: Data("\(partition)-\(sequence)".utf8))
            }
        }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
        return topic
    }

    @Test func assignedPartitionsStartWhereTheApplicationSaysNotAtTheCommittedOffsets() throws {
        let broker = try TestKafkaBroker(partitions: 2)
        let topic = try producedTopic(broker)
        let group = TestKafkaBroker.uniqueName("group")
        let partition0 = KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: 0))
        let partition1 = KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: 1))

        // The group has committed offset 2 on partition 0 and 9 on partition 1 in Kafka.
        let earlier = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group))
        try earlier.subscribe(topics: [topic])
        _ = try earlier.poll(count: 20, within: .seconds(30))
        try earlier.commit([KafkaTopicPartitionOffset(topic: topic, partition: partition0.partition, offset: KafkaOffset(2)),
                            KafkaTopicPartitionOffset(topic: topic, partition: partition1.partition, offset: KafkaOffset(9))])
        try earlier.close()

        let asked = Mutex<[[KafkaTopicPartition]]>([])
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group))
        try consumer.subscribe(topics: [topic]) { partitions in
            asked.withLock { $0.append(partitions.sorted { $0.partition < $1.partition }) }
            return [KafkaTopicPartitionOffset(topic: topic, partition: partition0.partition, offset: KafkaOffset(7)),
                    KafkaTopicPartitionOffset(topic: topic, partition: partition1.partition, offset: .beginning)]
        }
        let records = try consumer.poll(count: 13, within: .seconds(30))
        let extra = try consumer.poll(maxMessages: 10, timeout: .milliseconds(500))
        try consumer.close()

        #expect(asked.withLock { $0 } == [[partition0, partition1]])
        #expect(extra.isEmpty)
        let byPartition = Dictionary(grouping: records, by: \.partition.rawValue).mapValues { $0.map(\.offset.rawValue) }
        #expect(byPartition[0] == [7, 8, 9])
        #expect(byPartition[1] == Array(0..<10))
    }

    @Test func aFailureToChooseStartsTakesNoPartitionAndFailsTheNextPoll() throws {
        let broker = try TestKafkaBroker(partitions: 2)
        let topic = try producedTopic(broker)
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic]) { _ in throw Refused() }

        var received: [KafkaMessage] = []
        var failure: KafkaError?
        let deadline = ContinuousClock.now + .seconds(30)
        while failure == nil, ContinuousClock.now < deadline {
            do {
                received += try consumer.poll(maxMessages: 100, timeout: .milliseconds(200))
            } catch let error as KafkaError {
                failure = error
            }
        }
        #expect(received.isEmpty)
        #expect(failure?.code == .application)
        #expect(failure?.description.contains("the offset store is down") == true)
    }
}
