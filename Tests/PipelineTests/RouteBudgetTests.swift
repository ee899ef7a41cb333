import Foundation
import Kafka
import Testing
import TestSupport
@testable import Pipeline

/// The budget controller inside a running route stage, on the embedded broker.
@Suite(.serialized) struct RouteBudgetTests {
    /// Queries spread evenly between the two topics of `twoTopicRouting` (embeddings
    /// [cos θ, sin θ, 0, 0] with θ evenly over a quarter turn), so the strong model's win rate
    /// runs smoothly from 0.91 to 0.09; the configured threshold 0.5 sends half of them strong.
    /// The controller is asked for 30 %.
    @Test func theStageHoldsTheStrongShareNearTheTarget() throws {
        var harness = try RouteStageHarness(routing: twoTopicRouting(threshold: 0.5))
        var budget = BudgetSettings(target: .strongShare(0.3))
        budget.minDecisions = 100
        budget.intervalSeconds = 0
        budget.maxStep = 0.05
        harness.configuration.budget = budget
        var angle = 0.0
        let events = (0..<3_000).map { index in
            angle = (angle + 0.618_033_988_749_895).truncatingRemainder(dividingBy: 1)
            let theta = Float(angle * Double.pi / 2)
            return (key: "k\(index % 13)", value: queryEvent(id: "q\(index)", embedding: [cos(theta), sin(theta), 0, 0]))
        }
        try harness.send(events)

        let (decisions, changes) = try harness.whileRunning { _ in
            let decisions = try harness.read(harness.configuration.topics.decisions, count: 3_000)
                .map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
            // Each change is produced with the first batch that uses it: all are there by now.
            let made = ["up", "down"].compactMap { harness.metrics.value(.thresholdChanges, labels: ["direction": $0]) }.reduce(0, +)
            let changes = try harness.read(harness.configuration.topics.thresholds, count: Int(made))
            return (decisions, changes)
        }
        try #require(decisions.count == 3_000)
        let records = try changes.map { try JSONDecoder().decode(ThresholdChange.self, from: $0.value) }
        try #require(!records.isEmpty)

        // Every change is recorded, one after the other, each within the step limit.
        var threshold = 0.5
        for record in records {
            #expect(record.previousThreshold == threshold)
            #expect(abs(record.threshold - record.previousThreshold) <= 0.05 + 1e-9)
            #expect(record.targetStrongShare == 0.3 && record.windowDecisions >= 100)
            #expect(record.router == harness.configuration.kafka.transactionalID)
            threshold = record.threshold
        }
        #expect(Set(changes.map { $0.key }) == [Data(harness.configuration.kafka.transactionalID.utf8)])
        // Every decision was made at the starting threshold or at a recorded one.
        let recorded = Set([0.5] + records.map(\.threshold))
        #expect(decisions.allSatisfy { recorded.contains($0.threshold) })

        // Held: the decisions made at the final threshold, half of them or more, went strong 30 %
        // of the time. (How many batches, and so evaluations, 3,000 events take depends on how
        // much the consumer has fetched at each poll, which varies with the machine's load.)
        let settled = decisions.filter { $0.threshold == threshold }
        #expect(settled.count >= 1_500)
        let settledShare = Double(settled.count { $0.model == "strong" }) / Double(settled.count)
        #expect(abs(settledShare - 0.3) <= 0.03, "strong share \(settledShare) at threshold \(threshold)")
        let overall = Double(decisions.count { $0.model == "strong" }) / 3_000
        #expect(abs(overall - 0.3) <= 0.05)
        #expect(harness.metrics.value(.threshold) == threshold)
        #expect(harness.metrics.value(.thresholdChanges, labels: ["direction": "up"]) == Double(records.count { $0.threshold > $0.previousThreshold }))
    }
}
