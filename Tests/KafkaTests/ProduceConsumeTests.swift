import Foundation
import Kafka
import Testing

@Suite struct ProduceConsumeTests {
    @Test func everyProducedMessageIsConsumedWithItsKeyHeadersAndPerPartitionOrder() throws {
        let topic = TestKafkaBroker.uniqueName("produce-consume")
        let broker = try TestKafkaBroker(partitions: 3, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        let count = 600
        let keys = (0..<12).map { "customer-\($0)" }
        for sequence in 0..<count {
            try producer.send(topic: topic, key: Data(keys[sequence % keys.count].utf8), value: Data("\(sequence)".utf8),
                              headers: [KafkaHeader(key: "sequence", string: "\(sequence)")])
        }
        let reports = try producer.flush(timeout: .seconds(30))
        #expect(reports.count == count)
        try reports.requireDelivered()

        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        try consumer.subscribe(topics: [topic])
        let messages = try consumer.poll(count: count, within: .seconds(30))
        try consumer.close()

        #expect(messages.count == count)
        #expect(Set(messages.map { String(decoding: $0.value, as: UTF8.self) }) == Set((0..<count).map { "\($0)" }))
        for message in messages {
            let sequence = Int(String(decoding: message.value, as: UTF8.self))!
            #expect(message.key == Data(keys[sequence % keys.count].utf8))
            #expect(message.header("sequence") == message.value)
            #expect(message.timestamp != nil)
        }
        // A key always lands in one partition, and a partition is read in the order it was written.
        let partitionsOfKey = Dictionary(grouping: messages, by: { $0.key! }).mapValues { Set($0.map(\.partition)) }
        #expect(partitionsOfKey.values.allSatisfy { $0.count == 1 })
        #expect(Set(messages.map(\.partition)).count > 1)
        for (_, inPartition) in Dictionary(grouping: messages, by: \.partition) {
            let offsets = inPartition.map(\.offset.rawValue)
            #expect(offsets == Array(offsets.first!..<(offsets.first! + Int64(offsets.count))))
            let sequences = inPartition.map { Int(String(decoding: $0.value, as: UTF8.self))! }
            #expect(sequences == sequences.sorted())
        }
    }

    @Test func emptyValuesStayEmptyAndMissingKeysStayMissing() throws {
        let topic = TestKafkaBroker.uniqueName("empty")
        let broker = try TestKafkaBroker(partitions: 1, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        try producer.send(topic: topic, value: Data())
        try producer.send(topic: topic, key: Data(), value: Data("x".utf8), headers: [KafkaHeader(key: "none", value: nil)])
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        try consumer.subscribe(topics: [topic])
        let messages = try consumer.poll(count: 2, within: .seconds(30))
        try consumer.close()
        try #require(messages.count == 2)
        #expect(messages[0].key == nil && messages[0].value.isEmpty)
        #expect(messages[1].key == Data() && messages[1].headers == [KafkaHeader(key: "none", value: nil)])
    }
}
