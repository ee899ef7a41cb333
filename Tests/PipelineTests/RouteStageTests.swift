import Foundation
import Kafka
import Testing
import TestSupport
@testable import Pipeline

/// The route stage end to end against a Kafka-protocol broker (librdkafka's mock cluster in
/// process, or the broker named by KAFKA_BOOTSTRAP_SERVERS).
@Suite(.serialized) struct RouteStageTests {
    /// 300 queries on 10 keys, every 25th malformed: each good query decided once, on its
    /// model's topic and on the decisions topic, per-key order kept; each bad one dead-lettered.
    @Test(arguments: [false, true])
    func everyQueryIsDecidedOnceInKeyOrder(exactlyOnce: Bool) throws {
        let harness = try RouteStageHarness(routing: twoTopicRouting(), exactlyOnce: exactlyOnce)
        let producer = try KafkaProducer(configuration: harness.broker.producerConfiguration())
        var expectedOrder: [String: [String]] = [:]
        var expectedModel: [String: String] = [:]
        for index in 0..<300 {
            let key = "key-\(index % 10)"
            let value: Data
            if index % 25 == 24 {
                value = Data("not json \(index)".utf8)
            } else {
                let strongTopic = index % 3 == 0
                value = queryEvent(id: "q\(index)", embedding: strongTopic ? [1, 0.1, 0, 0] : [0.1, 1, 0, 0])
                expectedOrder[key, default: []].append("q\(index)")
                expectedModel["q\(index)"] = strongTopic ? "strong" : "weak"
            }
            try producer.send(topic: harness.configuration.topics.queries, key: Data(key.utf8), value: value)
        }
        try producer.flush(timeout: .seconds(30)).requireDelivered()

        var decisions: [KafkaMessage] = []
        var deadLetters: [KafkaMessage] = []
        var routedStrong: [KafkaMessage] = []
        try harness.whileRunning { _ in
            decisions = try harness.read(harness.configuration.topics.decisions, count: 288)
            deadLetters = try harness.read(harness.configuration.topics.deadLetter, count: 12)
            routedStrong = try harness.read(harness.configuration.topics.route(for: "strong"), count: 96)
        }
        let decoded = try decisions.map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
        #expect(decoded.count == 288)
        #expect(Set(decoded.map(\.queryID)).count == 288)
        for decision in decoded { #expect(decision.model == expectedModel[decision.queryID]) }
        var seenOrder: [String: [String]] = [:]
        for (message, decision) in zip(decisions, decoded) {
            seenOrder[String(decoding: message.key ?? Data(), as: UTF8.self), default: []].append(decision.queryID)
        }
        #expect(seenOrder == expectedOrder)
        #expect(deadLetters.count == 12)
        #expect(routedStrong.count == 96)
        #expect(harness.metrics.value(.deadLetters, labels: ["stage": "route", "reason": "malformed_json"]) == 12)
        #expect(harness.metrics.value(.decisions, labels: ["model": "strong"]) == 96)
        #expect(harness.metrics.value(.decisions, labels: ["model": "weak"]) == 192)
    }
}
