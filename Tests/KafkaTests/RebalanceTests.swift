import Foundation
import Kafka
import Testing

@Suite struct RebalanceTests {
    /// Two members poll in turns and commit every batch; the second joins after the first owns
    /// everything. Whatever the protocol, the partitions end up split, and every record is
    /// processed exactly once: a record of a partition revoked during a poll is not returned.
    @Test(arguments: KafkaRebalancing.allCases)
    func aJoiningMemberTakesOverPartitionsWithoutLosingOrRepeatingRecords(_ rebalancing: KafkaRebalancing) throws {
        let topic = TestKafkaBroker.uniqueName("rebalance")
        let group = TestKafkaBroker.uniqueName("group")
        let broker = try TestKafkaBroker(partitions: 4, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        var sent = 0
        func produce(_ count: Int) throws {
            for _ in 0..<count {
                try producer.send(topic: topic, key: Data("k\(sent % 16)".utf8), value: Data("\(sent)".utf8))
                sent += 1
            }
            try producer.flush(timeout: .seconds(30)).requireDelivered()
        }
        var processed: [String] = []
        func process(_ consumer: KafkaConsumer) throws {
            let batch = try consumer.poll(maxMessages: 25, timeout: .milliseconds(100))
            processed += batch.map { String(decoding: $0.value, as: UTF8.self) }
            try consumer.commit(KafkaTopicPartitionOffset.committing(batch))
        }

        try produce(100)
        let first = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group, rebalancing: rebalancing))
        try first.subscribe(topics: [topic])
        let clock = ContinuousClock()
        var deadline = clock.now + .seconds(30)
        while processed.count < 100, clock.now < deadline { try process(first) }
        try #require(processed.count == 100)
        #expect(try first.assignment().count == 4)

        let second = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group, rebalancing: rebalancing))
        try second.subscribe(topics: [topic])
        deadline = clock.now + .seconds(60)
        var produced = false
        while clock.now < deadline {
            try process(first)
            try process(second)
            let owned = (try first.assignment(), try second.assignment())
            if !produced, !owned.0.isEmpty, !owned.1.isEmpty, owned.0.count + owned.1.count == 4 {
                try produce(100)
                produced = true
            }
            if produced, processed.count >= 200 { break }
        }
        let owned = (Set(try first.assignment()), Set(try second.assignment()))
        try first.close()
        try second.close()

        #expect(produced)
        #expect(owned.0.isDisjoint(with: owned.1))
        #expect(owned.0.union(owned.1).count == 4)
        #expect(processed.count == 200)
        #expect(Set(processed) == Set((0..<200).map { "\($0)" }))
    }

    /// A cooperative consumer closed after its group answered its JoinGroup and before its first
    /// assignment: librdkafka before 2.3.0 aborts the process when it destroys such a consumer
    /// (librdkafka#4312), which `RdKafkaClient` avoids. The broker holds back its SyncGroup
    /// answer, and the consumer is closed and released inside that window; the process lives on,
    /// and the member left the group: a new one takes every partition at once.
    @Test(.enabled(if: TestKafkaBroker.usesEmbeddedBroker, "needs the embedded broker's response delays"))
    func aConsumerClosedBeforeItsFirstAssignmentIsReleasedWithoutAborting() throws {
        let topic = TestKafkaBroker.uniqueName("unassigned")
        let group = TestKafkaBroker.uniqueName("group")
        let broker = try TestKafkaBroker(partitions: 2, topics: [topic])
        let embedded = try #require(broker.embedded)
        embedded.delayNextResponse(to: .syncGroup, by: .seconds(3))
        var consumer: KafkaConsumer? = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group, rebalancing: .cooperative))
        try consumer!.subscribe(topics: [topic])
        let clock = ContinuousClock()
        var deadline = clock.now + .seconds(30)
        while embedded.pendingResponseDelays(to: .syncGroup) > 0, clock.now < deadline {
            _ = try consumer!.poll(maxMessages: 1, timeout: .milliseconds(20))
        }
        // The SyncGroup request is in and its answer held back: joined, not assigned.
        try #require(embedded.pendingResponseDelays(to: .syncGroup) == 0)
        #expect(try consumer!.assignment().isEmpty)
        try consumer!.close()
        consumer = nil

        let next = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group, rebalancing: .cooperative))
        try next.subscribe(topics: [topic])
        deadline = clock.now + .seconds(30)
        while try next.assignment().count < 2, clock.now < deadline {
            _ = try next.poll(maxMessages: 1, timeout: .milliseconds(50))
        }
        #expect(try next.assignment().count == 2)
        try next.close()
    }
}
