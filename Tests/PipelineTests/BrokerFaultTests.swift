import Foundation
import Kafka
import Testing
import TestSupport
@testable import Pipeline

/// The route stage while the broker misbehaves (the embedded broker's fault injection).
@Suite(.serialized) struct BrokerFaultTests {
    private static func waitUntil(within timeout: Duration = .seconds(120), _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return condition()
    }

    /// 3,000 queries. A third of the way through, the broker refuses produce, fetch and offset
    /// commit requests with retriable errors; two thirds through, it goes down for 3 s and comes
    /// back. Every query is decided (at least once: a batch cut off by the outage may be decided
    /// again), none is lost, and the stage recovered by itself.
    @Test(arguments: [false, true])
    func noQueryIsLostThroughBrokerErrorsAndAnOutage(exactlyOnce: Bool) throws {
        let harness = try RouteStageHarness(routing: twoTopicRouting(), exactlyOnce: exactlyOnce)
        let broker = try #require(harness.broker.embedded, "fault injection needs the embedded broker")
        let queries = 3_000
        try harness.send((0..<queries).map { (key: "key-\($0 % 20)", value: queryEvent(id: "q\($0)", embedding: [1, Float($0 % 7), 0, 0])) })

        let reader = try KafkaConsumer(configuration: harness.broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        defer { try? reader.close() }
        try reader.subscribe(topics: [harness.configuration.topics.decisions])
        var seen: [String: Int] = [:]
        // The reader sees the injected errors too; it only watches, so it reads on.
        func drain() throws {
            guard let messages = try? reader.poll(maxMessages: 1_000, timeout: .milliseconds(50)) else { return }
            for message in messages {
                seen[try JSONDecoder().decode(RoutingDecision.self, from: message.value).queryID, default: 0] += 1
            }
        }
        try harness.whileRunning { stage in
            #expect(Self.waitUntil { stage.counters.snapshot().events >= queries / 3 })
            broker.failNextRequests(.produce, with: [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas])
            broker.failNextRequests(.fetch, with: [.notLeaderForPartition, .requestTimedOut])
            broker.failNextRequests(.offsetCommit, with: [.requestTimedOut, .coordinatorNotAvailable])
            #expect(Self.waitUntil { stage.counters.snapshot().events >= 2 * queries / 3 })
            broker.takeDown()
            let decidedBeforeOutage = stage.counters.snapshot().events
            Thread.sleep(forTimeInterval: 3)
            broker.bringUp()
            let deadline = ContinuousClock.now + .seconds(180)
            while seen.count < queries, ContinuousClock.now < deadline { try drain() }
            // The outage came while queries were still waiting, and the stage went on after it.
            #expect(decidedBeforeOutage < queries && stage.counters.snapshot().events >= queries)
        }
        let missing = (0..<queries).filter { seen["q\($0)"] == nil }
        #expect(missing.isEmpty, "lost \(missing.count) queries, e.g. \(missing.prefix(5))")
        #expect(seen.values.allSatisfy { $0 >= 1 })
    }
}
