import Foundation
import Kafka
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// The route stage ranks one batch while it polls the next and delivers the one before: its
/// guarantees are those of a stage that does one batch at a time.
@Suite(.serialized) struct PipelinedRouteStageTests {
    /// What the broker showed at one moment of the run: the route group's committed offsets in
    /// the queries topic, then the end of each decisions partition.
    private struct Sample {
        let committed: [Int32: Int64]
        let decisionsEnd: [Int32: Int64]
    }

    /// 5,000 queries in batches of 64, the committed offsets and the decisions topic's ends
    /// sampled again and again while they are routed. A query below a committed offset must
    /// have its decision below the end read *after* that offset: offsets committed before their
    /// batch's decisions are acknowledged (or with the batch after them) would show as a query
    /// committed whose decision lies beyond the end.
    @Test func aBatchsOffsetsAreCommittedOnlyAfterItsDecisionsAreDelivered() throws {
        let harness = try RouteStageHarness(routing: twoTopicRouting(), exactlyOnce: false)
        let queries = 5_000
        let topics = harness.configuration.topics
        try harness.send((0..<queries).map { (key: "key-\($0 % 30)", value: queryEvent(id: "q\($0)", embedding: [1, Float($0 % 5), 0, 0])) })

        // Not subscribed: it reads the route group's committed offsets without joining it.
        let group = try KafkaConsumer(configuration: harness.broker.consumerConfiguration(group: harness.configuration.kafka.groupID))
        defer { try? group.close() }
        let queryPartitions = (0..<harness.broker.partitions).map {
            KafkaTopicPartition(topic: topics.queries, partition: KafkaPartition($0))
        }
        // Subscribed to the decisions topic for the ends of its partitions; reads nothing.
        let ends = try KafkaConsumer(configuration: harness.broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("ends")))
        defer { try? ends.close() }
        try ends.subscribe(topics: [topics.decisions])
        let joinDeadline = ContinuousClock.now + .seconds(60)
        while try ends.assignment().count < harness.broker.partitions, ContinuousClock.now < joinDeadline {
            _ = try ends.poll(maxMessages: 1, timeout: .milliseconds(100))
        }
        try #require(try ends.assignment().count == harness.broker.partitions)

        var samples: [Sample] = []
        try harness.whileRunning { stage in
            let deadline = ContinuousClock.now + .seconds(120)
            while stage.counters.snapshot().events < queries, ContinuousClock.now < deadline {
                let committed = try group.committed(queryPartitions, timeout: .seconds(10))
                let decisionsEnd = try ends.lag(timeout: .seconds(10))
                samples.append(Sample(
                    committed: Dictionary(uniqueKeysWithValues: committed.map { ($0.partition.rawValue, $0.offset.rawValue) }),
                    decisionsEnd: Dictionary(uniqueKeysWithValues: decisionsEnd.map { ($0.partition.rawValue, $0.end.rawValue) })))
            }
        }
        let decisions = try harness.read(topics.decisions, count: queries)
        try #require(decisions.count == queries)
        let placed = try decisions.map { message in
            (source: try JSONDecoder().decode(RoutingDecision.self, from: message.value).source,
             partition: message.partition.rawValue, offset: message.offset.rawValue)
        }
        #expect(Set(placed.map(\.source)).count == queries)
        // Samples taken while some but not all of the queries were committed: the run was watched.
        let midRun = samples.filter { sample in
            let committed = sample.committed.values.filter { $0 >= 0 }.reduce(0, +)
            return committed > 0 && committed < Int64(queries)
        }
        #expect(!midRun.isEmpty, "none of \(samples.count) samples fell while the queries were being routed")
        for sample in samples {
            let early = placed.filter { decision in
                decision.source.offset < sample.committed[decision.source.partition, default: -1]
                    && decision.offset >= sample.decisionsEnd[decision.partition, default: 0]
            }
            #expect(early.isEmpty, "queries committed before their decisions were delivered, e.g. \(early.prefix(3).map(\.source))")
        }
    }

    /// 6,000 queries arrive over six seconds on three partitions; a second router joins the group
    /// while the first is routing them, so the group takes partitions from the first, possibly
    /// while it ranks their records. No query is lost, and with `exactly_once` on a broker that
    /// stores transactional offsets (not the embedded one, see docs/KAFKA.md) none is decided twice.
    @Test(arguments: [false, true])
    func aRouterJoiningMidRunTakesPartitionsWithoutLosingAQuery(exactlyOnce: Bool) throws {
        let harness = try RouteStageHarness(routing: twoTopicRouting(), exactlyOnce: exactlyOnce)
        let topics = harness.configuration.topics
        let chunks = 60, perChunk = 100
        func chunk(_ index: Int) -> [(key: String, value: Data)] {
            (index * perChunk..<(index + 1) * perChunk).map { (key: "key-\($0 % 30)", value: queryEvent(id: "q\($0)", embedding: [1, Float($0 % 5), 0, 0])) }
        }
        let reader = try KafkaConsumer(configuration: harness.broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        defer { try? reader.close() }
        try reader.subscribe(topics: [topics.decisions])
        var seen: [String: Int] = [:]
        func drain() throws {
            for message in try reader.poll(maxMessages: 1_000, timeout: .milliseconds(20)) {
                seen[try JSONDecoder().decode(RoutingDecision.self, from: message.value).queryID, default: 0] += 1
            }
        }

        var second = harness.configuration
        second.kafka.transactionalID += "-second"
        let secondShutdown = ShutdownSignal(signals: [])
        let secondStage = RouteStage(configuration: second, embedder: nil, snapshot: harness.snapshot, shutdown: secondShutdown,
                                     log: StageLog(component: "route", minimumLevel: .warning))
        try harness.whileRunning { first in
            try harness.send(chunk(0))
            let joined = ContinuousClock.now + .seconds(60)
            while first.counters.snapshot().events < perChunk, ContinuousClock.now < joined { try drain() }
            try running(secondStage, shutdown: secondShutdown) {
                for index in 1..<chunks {
                    try harness.send(chunk(index))
                    try drain()
                    Thread.sleep(forTimeInterval: 0.1)
                }
                let deadline = ContinuousClock.now + .seconds(120)
                while seen.count < chunks * perChunk, ContinuousClock.now < deadline { try drain() }
            }
            // The second router took partitions: the rebalance happened while queries flowed.
            #expect(secondStage.counters.snapshot().events > 0)
            #expect(first.counters.snapshot().events > perChunk)
        }
        let missing = (0..<chunks * perChunk).filter { seen["q\($0)"] == nil }
        #expect(missing.isEmpty, "lost \(missing.count) queries, e.g. \(missing.prefix(5))")
        if exactlyOnce && harness.broker.embedded == nil {
            let twice = seen.filter { $0.value > 1 }
            #expect(twice.isEmpty, "\(twice.count) queries decided more than once, e.g. \(twice.keys.sorted().prefix(5))")
        }
    }
}
