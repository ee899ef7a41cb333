import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// Which threshold a batch is decided with: the budget controller's when it is enabled, else
/// the router's own, which follows each new router's calibration (docs/CONFIGURATION.md).
@Suite struct ThresholdSourceTests {
    @Test func withoutABudgetEachBatchUsesTheRouterItIsRoutedWith() throws {
        let (configuration, router) = try twoTopicRouting(threshold: 0.5)
        let (_, recalibrated) = try twoTopicRouting(threshold: 0.7)
        let metrics = MetricsRegistry()
        let source = ThresholdSource(configuration: configuration, router: router, metrics: metrics, log: StageLog(component: "test"))
        #expect(source.nextBatch(router: router).threshold == 0.5 && metrics.value(.threshold) == 0.5)
        source.swapped(router, for: recalibrated)
        #expect(source.nextBatch(router: recalibrated).threshold == 0.7 && metrics.value(.threshold) == 0.7)
    }

    @Test func aBudgetControllerHoldsTheThresholdThroughARecalibration() throws {
        var (configuration, router) = try twoTopicRouting(threshold: 0.5)
        configuration.budget = BudgetSettings(target: .strongShare(0.3))
        let (_, recalibrated) = try twoTopicRouting(threshold: 0.7)
        let metrics = MetricsRegistry()
        let source = ThresholdSource(configuration: configuration, router: router, metrics: metrics, log: StageLog(component: "test"))
        source.swapped(router, for: recalibrated)
        let batch = source.nextBatch(router: recalibrated)
        #expect(batch.threshold == 0.5 && batch.record == nil)
        #expect(source.threshold(of: recalibrated) == 0.5 && metrics.value(.threshold) == 0.5)
    }

    /// The batch's threshold, not the router's own, decides and is what the decision records.
    @Test func theProcessorDecidesAtTheThresholdItIsGiven() throws {
        let (configuration, router) = try twoTopicRouting(threshold: 0.5)
        let processor = RouteBatchProcessor(configuration: configuration, embedder: nil)
        // Along e1 the strong model wins 1 / (1 + 10^-1) ≈ 0.91 of the time.
        let input = [InputRecord(source: .init(topic: "q", partition: 0, offset: 0), key: nil,
                                 value: queryEvent(id: "q1", embedding: [1, 0, 0, 0]))]
        let atOwn = processor.process(input, with: router).decisions
        let atGiven = processor.process(input, with: router, threshold: 0.95).decisions
        #expect(atOwn.map(\.model) == ["strong"] && atOwn.map(\.threshold) == [0.5])
        #expect(atGiven.map(\.model) == ["weak"] && atGiven.map(\.threshold) == [0.95])
    }
}
