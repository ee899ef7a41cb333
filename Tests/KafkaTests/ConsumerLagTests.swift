import Foundation
import Kafka
import Testing

@Suite struct ConsumerLagTests {
    /// 30 records on partition 0 and 12 on partition 1; the consumer reads 10 of partition 0's.
    @Test func lagIsTheEndOfEachPartitionLessThePositionReadTo() throws {
        let topic = TestKafkaBroker.uniqueName("lag")
        let broker = try TestKafkaBroker(partitions: 2, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for (partition, count) in [(0, 30), (1, 12)] {
            for sequence in 0..<count {
                try producer.send(topic: topic, partition: KafkaPartition(partition), value: Data("\(partition)-\(sequence)".utf8))
            }
        }
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic])
        // Read until partition 0 has given 10 records; partition 1 may give some too.
        var read: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while read.count(where: { $0.partition == KafkaPartition(0) }) < 10, ContinuousClock.now < deadline {
            let wanted = 10 - read.count(where: { $0.partition == KafkaPartition(0) })
            read += try consumer.poll(maxMessages: wanted, timeout: .milliseconds(200))
        }
        let fromZero = read.filter { $0.partition == KafkaPartition(0) }
        try #require(fromZero.count == 10)

        let lag = try consumer.lag(timeout: .seconds(10))
        #expect(lag.map(\.partition) == [KafkaPartition(0), KafkaPartition(1)])
        #expect(lag.map(\.end) == [KafkaOffset(30), KafkaOffset(12)])
        #expect(lag[0].position == KafkaOffset(10))
        #expect(lag[0].records == 20)
        let fromOne = read.filter { $0.partition == KafkaPartition(1) }
        // Partition 1: known only once a record of it was read (nothing is committed).
        #expect(lag[1].records == (fromOne.isEmpty ? nil : Int64(12 - fromOne.count)))
    }

    /// A partition a member has read nothing from yet is measured from the group's committed
    /// offset, and records written later count.
    @Test func beforeItsFirstRecordAPartitionIsMeasuredFromTheCommittedOffset() throws {
        let topic = TestKafkaBroker.uniqueName("lag")
        let group = TestKafkaBroker.uniqueName("group")
        let broker = try TestKafkaBroker(partitions: 2, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for partition in 0..<2 {
            for sequence in 0..<8 { try producer.send(topic: topic, partition: KafkaPartition(partition), value: Data("\(sequence)".utf8)) }
        }
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        let first = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group))
        try first.subscribe(topics: [topic])
        let all = try first.poll(count: 16, within: .seconds(30))
        try #require(all.count == 16)
        // Partition 0 processed to its end, partition 1 only to offset 5.
        let processed = all.filter { $0.partition == KafkaPartition(0) || $0.offset < KafkaOffset(5) }
        try first.close(committing: KafkaTopicPartitionOffset.committing(processed))

        let second = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group))
        defer { try? second.close() }
        try second.subscribe(topics: [topic])
        // The one record read comes from partition 1, the only one with records left.
        let read = try second.poll(count: 1, within: .seconds(30))
        try #require(read.map(\.offset) == [KafkaOffset(5)])
        for sequence in 8..<12 { try producer.send(topic: topic, partition: KafkaPartition(0), value: Data("\(sequence)".utf8)) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        let lag = try second.lag(timeout: .seconds(10))
        #expect(lag.map(\.position) == [KafkaOffset(8), KafkaOffset(6)])
        #expect(lag.map(\.end) == [KafkaOffset(12), KafkaOffset(8)])
        #expect(lag.map(\.records) == [4, 2])
    }

    @Test func aMemberWithoutPartitionsHasNoLag() throws {
        let broker = try TestKafkaBroker(topics: [])
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        defer { try? consumer.close() }
        #expect(try consumer.lag(timeout: .seconds(1)).isEmpty)
    }
}
