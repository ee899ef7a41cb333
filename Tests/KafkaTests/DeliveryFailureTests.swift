import Foundation
import Kafka
import Testing

@Suite struct DeliveryFailureTests {
    @Test func producingToATopicThatDoesNotExistFailsItsDeliveryInsteadOfCreatingIt() throws {
        let existing = TestKafkaBroker.uniqueName("existing")
        let missing = TestKafkaBroker.uniqueName("missing")
        let broker = try TestKafkaBroker(partitions: 1, topics: [existing])
        var configuration = broker.producerConfiguration()
        // How long librdkafka waits for a missing topic to appear before failing its messages.
        configuration.properties["topic.metadata.propagation.max.ms"] = "500"
        let producer = try KafkaProducer(configuration: configuration)
        let lost = try producer.send(topic: missing, value: Data("lost".utf8))
        let kept = try producer.send(topic: existing, value: Data("kept".utf8))
        let reports = try producer.flush(timeout: .seconds(30))

        let byID = Dictionary(uniqueKeysWithValues: reports.map { ($0.id, $0) })
        #expect(byID[kept]?.isDelivered == true)
        #expect(byID[kept]?.offset == KafkaOffset(0))
        #expect(byID[lost]?.error?.code == .unknownTopicOrPartition)
        #expect(byID[lost]?.topic == missing)
        let error = #expect(throws: KafkaError.self) { try reports.requireDelivered() }
        #expect(error?.operation == .delivery)
        #expect(error?.description.contains(missing) == true)
    }

    @Test(.enabled(if: TestKafkaBroker.usesEmbeddedBroker, "needs the embedded broker's error injection"))
    func aBrokerRefusingTheWriteSurfacesAsADeliveryError() throws {
        let topic = TestKafkaBroker.uniqueName("refused")
        let broker = try TestKafkaBroker(partitions: 1, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        // Warm up the connection so the refusal hits the record, not the first metadata lookup.
        try producer.send(topic: topic, value: Data("first".utf8))
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        broker.embedded!.failNextRequests(.produce, with: [.topicAuthorizationFailed])
        let refused = try producer.send(topic: topic, value: Data("refused".utf8))
        let reports = try producer.flush(timeout: .seconds(30))
        #expect(reports.map(\.id) == [refused])
        #expect(reports.first?.error?.code == .topicAuthorizationFailed)
        #expect(throws: KafkaError.self) { try reports.requireDelivered() }
    }
}
