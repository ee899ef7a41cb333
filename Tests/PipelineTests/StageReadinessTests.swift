import Foundation
import Kafka
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// What `/readyz` answers of a stage, from what its poll loop reported, and the stall watchdog.
@Suite struct StageReadinessTests {
    private let start = ContinuousClock.now
    private let metrics = MetricsRegistry()
    private let queries0 = TopicPartition(topic: "llm.queries", partition: 0)

    private func readiness(stallAfter: Duration = .seconds(60)) -> StageReadiness {
        StageReadiness(stage: "route", stallAfter: stallAfter, metrics: metrics, log: StageLog(component: "test", minimumLevel: .error))
    }

    private func lag(_ records: Int64) -> [KafkaPartitionLag] {
        [KafkaPartitionLag(topic: "llm.queries", partition: KafkaPartition(rawValue: 0), position: KafkaOffset(rawValue: 10),
                           end: KafkaOffset(rawValue: 10 + records))]
    }

    private var stalls: Double? {
        metrics.render().split(separator: "\n").first { $0.hasPrefix("routeledger_stage_stalls_total{stage=\"route\"}") }
            .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test func notReadyBeforeTheGroupAssignsAndReadyWithWhatItHolds() {
        let stage = readiness()
        #expect(stage.answer(at: start) == .notReady("starting"))
        stage.sessionStarted(at: start)
        stage.polled(holding: [], assignmentKnown: false, at: start)
        #expect(stage.answer(at: start) == .notReady("waiting for the group to assign partitions"))
        stage.polled(holding: [], assignmentKnown: true, at: start)
        #expect(stage.answer(at: start) == .ready("the group gave it no partitions"))
        stage.polled(holding: [queries0], assignmentKnown: true, at: start)
        #expect(stage.answer(at: start) == .ready("holding llm.queries[0]"))
        stage.sessionEnded("restarting after a failure")
        #expect(stage.answer(at: start) == .notReady("restarting after a failure"))
    }

    @Test func aPollLoopSilentLongerThanTheStallSettingIsNotReady() {
        let stage = readiness(stallAfter: .seconds(30))
        stage.sessionStarted(at: start)
        stage.polled(holding: [queries0], assignmentKnown: true, at: start)
        #expect(stage.answer(at: start + .seconds(30)).isReady)
        #expect(stage.answer(at: start + .seconds(45)) == .notReady("last poll 45 s ago"))
    }

    /// Records wait and nothing is decided for the stall setting: not ready, counted once, until
    /// the stage decides again.
    @Test func aStageThatDecidesNothingWhileRecordsWaitIsStalledUntilItProgresses() {
        let stage = readiness(stallAfter: .seconds(10))
        stage.sessionStarted(at: start)
        stage.polled(holding: [queries0], assignmentKnown: true, at: start + .seconds(20))
        stage.measured(lag(5), at: start + .seconds(20))
        // An idle stage whose records just arrived is not stalled: the clock starts now.
        #expect(stage.answer(at: start + .seconds(20)).isReady)
        stage.polled(holding: [queries0], assignmentKnown: true, at: start + .seconds(30))
        stage.measured(lag(5), at: start + .seconds(30))
        #expect(stage.answer(at: start + .seconds(30))
            == .notReady("stalled: nothing done for 10 s while records wait: llm.queries[0] lag 5"))
        stage.measured(lag(7), at: start + .seconds(35))
        #expect(stalls == 1)
        stage.progressed(at: start + .seconds(36))
        #expect(stage.answer(at: start + .seconds(36)) == .ready("holding llm.queries[0]"))
        stage.measured(lag(2), at: start + .seconds(40))
        #expect(stage.answer(at: start + .seconds(40)).isReady)
    }

    @Test func aProcessIsReadyWhenEveryStageIs() {
        let ready = Readiness.of([("route", .ready("holding q[0]")), ("ledger", .ready("the group gave it no partitions"))])
        #expect(ready == .ready("route: ready: holding q[0]\nledger: ready: the group gave it no partitions"))
        #expect(!Readiness.of([("route", .ready("holding q[0]")), ("learn", .notReady("starting"))]).isReady)
    }
}

/// `/readyz` of a running route stage on the embedded broker.
@Suite(.serialized) struct RouteStageReadinessTests {
    @Test func readyzIsUnavailableBeforeTheAssignmentAndOKWhileDeciding() throws {
        var harness = try RouteStageHarness(routing: twoTopicRouting(), partitions: 2)
        harness.configuration.stallAfterSeconds = 5
        try harness.whileRunning { stage in
            let server = try MetricsServer(port: 0, registry: harness.metrics, readiness: { stage.readiness() })
            defer { server.stop() }
            // The group takes seconds to form: the first answers are not ready.
            let early = try httpGet("/readyz", port: server.port)
            #expect(early.status == "HTTP/1.1 503 Service Unavailable", "\(early.body)")
            try harness.send((0..<20).map { (key: "k\($0)", value: queryEvent(id: "q\($0)", embedding: [1, 0, 0, 0])) })
            let deadline = ContinuousClock.now + .seconds(30)
            var answer = early
            while ContinuousClock.now < deadline, answer.status != "HTTP/1.1 200 OK" || stage.counters.snapshot().routed < 20 {
                Thread.sleep(forTimeInterval: 0.1)
                answer = try httpGet("/readyz", port: server.port)
            }
            #expect(stage.counters.snapshot().routed == 20)
            let queries = harness.configuration.topics.queries
            #expect(answer == ("HTTP/1.1 200 OK", "holding \(queries)[0],\(queries)[1]\n"))
        }
    }
}
