import Foundation
import Ledger
import Testing
@testable import Pipeline

/// The budget controller on streams whose win rates are known: the reference model's win rate
/// P is spread evenly over [0, 1) (an additive recurrence with the golden ratio, so any stretch
/// of the stream covers the interval evenly), so the threshold that sends a share s of queries
/// to the reference is 1 − s.
@Suite struct BudgetControllerTests {
    /// A simulated route stage: batches of `batchSize` decisions, `secondsPerBatch` apart,
    /// each query decided at the controller's threshold.
    private struct Simulation {
        var controller: BudgetController
        let start = ContinuousClock.now
        var clock: Duration = .zero
        var next = 0.0
        var changes: [(at: Duration, evaluation: BudgetEvaluation)] = []
        var decidedStrong: [Bool] = []
        /// Costs of a query on (weak, strong), micro-dollars.
        let costs: [Int64] = [10, 100]
        /// Maps the even spread over [0, 1) to the stream's win rates.
        var winRate: (Double) -> Double = { $0 }

        init(_ settings: BudgetSettings, threshold: Double) {
            controller = BudgetController(settings: settings, threshold: threshold, at: start)
        }

        mutating func run(batches: Int, batchSize: Int = 50, secondsPerBatch: Double = 1) {
            for _ in 0..<batches {
                clock += .seconds(secondsPerBatch)
                let now = start + clock
                if let evaluation = controller.evaluate(at: now), evaluation.changesThreshold {
                    changes.append((clock, evaluation))
                    controller.apply(evaluation)
                }
                var batch: [BudgetObservation] = []
                for _ in 0..<batchSize {
                    next = (next + 0.618_033_988_749_895).truncatingRemainder(dividingBy: 1)
                    let rate = winRate(next)
                    let strong = rate >= controller.threshold
                    decidedStrong.append(strong)
                    batch.append(BudgetObservation(time: now, winRates: [rate], costs: costs, lastIsReference: true, chosen: strong ? 1 : 0))
                }
                controller.observe(batch, at: now)
            }
        }

        /// Share of the last `count` decisions that went strong.
        func strongShare(last count: Int) -> Double {
            Double(decidedStrong.suffix(count).count { $0 }) / Double(count)
        }
    }

    private func settings(_ target: BudgetSettings.Target) -> BudgetSettings {
        var settings = BudgetSettings(target: target)
        settings.windowSeconds = 60
        settings.minDecisions = 100
        settings.intervalSeconds = 2
        settings.maxStep = 0.02
        settings.minChange = 0.005
        return settings
    }

    @Test func itConvergesOnTheThresholdThatHoldsTheStrongShare() {
        var simulation = Simulation(settings(.strongShare(0.3)), threshold: 0.5)
        simulation.run(batches: 300)
        #expect(abs(simulation.controller.threshold - 0.7) <= 0.01)
        #expect(abs(simulation.strongShare(last: 3_000) - 0.3) <= 0.01)
        // From 0.5 to 0.7 at 0.02 a change: about ten changes, then it holds still.
        #expect(simulation.changes.count >= 10)
        #expect(simulation.changes.last!.at < .seconds(100))
    }

    /// Strong costs 100 µ$ and weak 10 µ$; 50 queries a second. A spend of 1,400 µ$ a second
    /// (5.04 $ an hour) buys a strong share s with 50 × (100 s + 10 (1 − s)) = 1,400, s = 0.2:
    /// the threshold that holds it is 0.8.
    @Test func itConvergesOnTheThresholdThatHoldsTheSpendRate() {
        var simulation = Simulation(settings(.spendPerHour(MicroUSD(dollars: "5.04")!)), threshold: 0.6)
        simulation.run(batches: 200)
        #expect(abs(simulation.controller.threshold - 0.8) <= 0.01)
        let window = simulation.controller.summary(at: simulation.start + simulation.clock)
        // 5.04 $/h within 2 %, from the window's own decisions.
        #expect(abs(Double(window.spendPerHour.microunits) - 5_040_000) <= 0.02 * 5_040_000)
    }

    @Test func everyChangeIsBoundedByTheStepTheIntervalAndTheLimits() {
        var bounded = settings(.strongShare(0.9))
        bounded.minThreshold = 0.4
        bounded.maxThreshold = 0.8
        bounded.maxStep = 0.015
        var simulation = Simulation(bounded, threshold: 0.75)
        simulation.run(batches: 200)
        // The target (0.1) lies below min_threshold: the threshold stops there, flagged.
        #expect(simulation.controller.threshold == 0.4)
        let last = simulation.changes.last!.evaluation
        #expect(last.bounded && abs(last.windowThreshold - 0.1) < 0.02)
        for (_, change) in simulation.changes {
            #expect(abs(change.threshold - change.previous) <= 0.015 + 1e-12)
            #expect(abs(change.threshold - change.previous) >= 0.005 - 1e-12 || change.threshold == 0.4)
            #expect(change.threshold >= 0.4 && change.threshold <= 0.8)
        }
        for (earlier, later) in zip(simulation.changes, simulation.changes.dropFirst()) {
            #expect(later.at - earlier.at >= .seconds(2))
        }
    }

    @Test func itHoldsStillUntilTheWindowHoldsEnoughDecisions() {
        var waiting = settings(.strongShare(0.3))
        waiting.minDecisions = 500
        var simulation = Simulation(waiting, threshold: 0.5)
        simulation.run(batches: 9)   // 450 decisions
        #expect(simulation.changes.isEmpty && simulation.controller.threshold == 0.5)
        simulation.run(batches: 2)
        #expect(simulation.changes.count == 1)
    }

    /// Even all-weak costs 50 × 10 µ$ a second, 1.8 $ an hour: a 1 $ budget cannot be met.
    @Test func aSpendRateNoThresholdCanMeetDrivesItToTheMaximum() {
        var simulation = Simulation(settings(.spendPerHour(MicroUSD(dollars: "1")!)), threshold: 0.5)
        simulation.run(batches: 200)
        #expect(simulation.controller.threshold == 1)
        #expect(simulation.changes.last!.evaluation.bounded)
    }

    /// The window forgets: when the traffic changes (every query's win rate squeezed into
    /// [0.5, 1), which moves the 70th percentile to 0.85), the threshold follows it to hold the
    /// same share.
    @Test func itFollowsAChangeInTraffic() {
        var simulation = Simulation(settings(.strongShare(0.3)), threshold: 0.7)
        simulation.run(batches: 100)
        #expect(abs(simulation.controller.threshold - 0.7) <= 0.01)
        simulation.winRate = { 0.5 + $0 / 2 }
        simulation.run(batches: 300)
        #expect(abs(simulation.controller.threshold - 0.85) <= 0.01)
        #expect(abs(simulation.strongShare(last: 3_000) - 0.3) <= 0.01)
    }

    /// With two cheaper models a query goes to the reference only if it beats both: the
    /// controller holds the share on the lower of the two win rates.
    @Test func withSeveralCheaperModelsTheReferenceNeedsToBeatThemAll() {
        var controller = BudgetController(settings: settings(.strongShare(0.5)), threshold: 0.2, at: .now)
        let now = ContinuousClock.now
        // Lower win rates spread over [0, 0.4), higher ones at 0.9: the median of the lower is 0.2.
        let batch = (0..<400).map { index in
            BudgetObservation(time: now, winRates: [0.9, Double(index) / 1_000], costs: [1, 5, 50], lastIsReference: true, chosen: 2)
        }
        controller.observe(batch, at: now)
        let evaluation = controller.evaluate(at: now)!
        #expect(abs(evaluation.windowThreshold - 0.2) < 0.001)
        #expect(evaluation.window.strongShare == 1)
    }
}
