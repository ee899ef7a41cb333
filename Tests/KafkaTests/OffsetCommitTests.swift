import Foundation
import Kafka
import Testing

@Suite struct OffsetCommitTests {
    @Test func aNewMemberOfTheGroupResumesAfterTheCommittedOffsets() throws {
        let topic = TestKafkaBroker.uniqueName("resume")
        let group = TestKafkaBroker.uniqueName("group")
        let broker = try TestKafkaBroker(partitions: 2, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for sequence in 0..<40 {
            try producer.send(topic: topic, key: Data("k\(sequence % 5)".utf8), value: Data("\(sequence)".utf8))
        }
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        let first = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group))
        try first.subscribe(topics: [topic])
        let all = try first.poll(count: 40, within: .seconds(30))
        try #require(all.count == 40)
        // Process only the first half of each partition; commit that.
        let processed = Dictionary(grouping: all, by: \.partition).values.flatMap { $0.prefix($0.count / 2) }
        let offsets = KafkaTopicPartitionOffset.committing(processed)
        try first.close(committing: offsets)

        let second = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group))
        try second.subscribe(topics: [topic])
        let resumed = try second.poll(count: 40 - processed.count, within: .seconds(30))
        let committed = try second.committed(offsets.map(\.topicPartition), timeout: .seconds(10))
        try second.close()

        let processedValues = Set(processed.map(\.value))
        #expect(resumed.count == 40 - processed.count)
        #expect(Set(resumed.map(\.value)) == Set(all.map(\.value)).subtracting(processedValues))
        for (partition, messages) in Dictionary(grouping: resumed, by: \.partition) {
            let next = offsets.first { $0.partition == partition }!.offset
            #expect(messages.map(\.offset).min() == next)
        }
        #expect(Set(committed) == Set(offsets))
    }

    @Test func offsetsToCommitNameTheRecordAfterTheHighestProcessedOnePerPartition() {
        let messages = [("a", 0, 7), ("a", 0, 5), ("a", 1, 2), ("b", 0, 0)].map { topic, partition, offset in
            KafkaMessage(topic: topic, partition: KafkaPartition(partition), offset: KafkaOffset(offset), key: nil, value: Data())
        }
        #expect(KafkaTopicPartitionOffset.committing(messages) == [
            KafkaTopicPartitionOffset(topic: "a", partition: KafkaPartition(0), offset: KafkaOffset(8)),
            KafkaTopicPartitionOffset(topic: "a", partition: KafkaPartition(1), offset: KafkaOffset(3)),
            KafkaTopicPartitionOffset(topic: "b", partition: KafkaPartition(0), offset: KafkaOffset(1)),
        ])
    }

    @Test func aClosedConsumerRefusesFurtherCalls() throws {
        let broker = try TestKafkaBroker(topics: [])
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        try consumer.close()
        try consumer.close()
        let error = #expect(throws: KafkaError.self) { try consumer.poll(maxMessages: 1, timeout: .zero) }
        #expect(error?.code == .state)
    }
}
