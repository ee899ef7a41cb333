import Foundation
import Synchronization

/// The one owner of a route stage's threshold: before each batch it says which threshold the
/// batch is decided with. In order of precedence:
///
/// 1. **The budget controller**, when `budget.enabled`: it starts at the router's threshold
///    when the stage starts and moves it to hold its target (each change is produced to
///    `topics.thresholds` with the batch that first uses it). A new ratings version's
///    recalibration does not move it — the controller measures the live traffic, which is what
///    the calibration on the memory's prompts only estimates — and the log says so.
/// 2. **The router's own threshold** otherwise: `routing.threshold` as configured, or, for a
///    `strong_share`, the calibration made for the ratings version in use (the follower
///    recalibrates with every new version, and the next batch uses it).
final class ThresholdSource: Sendable {
    /// The threshold one batch is decided with, and the budget's change it makes, if any.
    struct BatchThreshold {
        let threshold: Double
        let evaluation: BudgetEvaluation?
        /// The change record, to produce with the batch.
        let record: OutputRecord?
    }

    /// Nil without a budget.
    private let controller: Mutex<BudgetController?>
    private let configuration: RouteLedgerConfiguration
    private let metrics: MetricsRegistry
    private let log: StageLog
    private let encoder = JSONEncoder()

    init(configuration: RouteLedgerConfiguration, router: RouterSnapshot, metrics: MetricsRegistry, log: StageLog) {
        self.configuration = configuration
        self.metrics = metrics
        self.log = log
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let settings = configuration.budget {
            controller = Mutex(BudgetController(settings: settings, threshold: router.threshold, at: .now))
            switch settings.target {
            case .strongShare(let share): metrics.set(.budgetTargetStrongShare, to: share)
            case .spendPerHour(let rate): metrics.set(.budgetTargetSpend, to: rate)
            }
        } else {
            controller = Mutex(nil)
        }
        metrics.set(.threshold, to: threshold(of: router))
    }

    /// The threshold the next batch would be decided with, were it routed by `router`.
    func threshold(of router: RouterSnapshot) -> Double {
        controller.withLock { $0?.threshold } ?? router.threshold
    }

    /// A new router takes over: its threshold is the next batch's unless the budget controller
    /// holds the threshold, in which case a recalibration is logged and left aside.
    func swapped(_ old: RouterSnapshot, for new: RouterSnapshot) {
        guard new.threshold != old.threshold else { return }
        if let held = controller.withLock({ $0?.threshold }) {
            log(.info, "the router recalibrated; the budget controller keeps the threshold",
                ["ratings_version": new.ratingsVersion, "calibrated": new.threshold, "threshold": held])
        } else {
            metrics.set(.threshold, to: new.threshold)
        }
    }

    func nextBatch(router: RouterSnapshot) -> BatchThreshold {
        let (held, evaluation, target) = controller.withLock { ($0?.threshold, $0?.evaluate(at: .now), $0?.settings.target) }
        guard let current = held, let target else { return BatchThreshold(threshold: router.threshold, evaluation: nil, record: nil) }
        guard let evaluation else { return BatchThreshold(threshold: current, evaluation: nil, record: nil) }
        report(evaluation)
        guard evaluation.changesThreshold else { return BatchThreshold(threshold: current, evaluation: evaluation, record: nil) }
        let change = ThresholdChange(evaluation, target: target,
                                     router: configuration.kafka.transactionalID, routerVersion: configuration.routing.routerVersion,
                                     ratingsVersion: router.ratingsVersion, at: Date())
        let value: Data
        do {
            value = try encoder.encode(change)
        } catch {
            preconditionFailure("encoding a threshold change cannot fail: \(error)")
        }
        return BatchThreshold(threshold: evaluation.threshold, evaluation: evaluation,
                              record: OutputRecord(topic: configuration.topics.thresholds, key: Data(change.router.utf8), value: value))
    }

    /// The batch decided at `batch.threshold` and estimated at `prices` is committed: a budget
    /// change takes effect, and the decisions join the budget's window.
    func committed(_ batch: BatchThreshold, decisions: [RoutingDecision], prices: [String: RoutePrice]) {
        metrics.set(.threshold, to: batch.threshold)
        let now = ContinuousClock.now
        let budgeted = controller.withLock { controller in
            guard var budget = controller.take() else { return false }
            if let evaluation = batch.evaluation, evaluation.changesThreshold { budget.apply(evaluation) }
            budget.observe(decisions.map { BudgetObservation($0, prices: prices, at: now) }, at: now)
            controller = budget
            return true
        }
        guard budgeted else { return }
        guard let evaluation = batch.evaluation, evaluation.changesThreshold else { return }
        metrics.increment(.thresholdChanges, labels: ["direction": evaluation.threshold > evaluation.previous ? "up" : "down"])
        log(.info, "threshold changed", ["from": evaluation.previous, "to": evaluation.threshold,
                                         "window_threshold": evaluation.windowThreshold, "bounded": evaluation.bounded,
                                         "window_decisions": evaluation.window.decisions,
                                         "window_strong_share": evaluation.window.strongShare,
                                         "window_usd_per_hour": evaluation.window.spendPerHour])
    }

    private func report(_ evaluation: BudgetEvaluation) {
        metrics.set(.budgetWindowDecisions, to: Double(evaluation.window.decisions))
        metrics.set(.budgetWindowStrongShare, to: evaluation.window.strongShare)
        metrics.set(.budgetWindowSpend, to: evaluation.window.spendPerHour)
        metrics.set(.budgetWindowThreshold, to: evaluation.windowThreshold)
        metrics.set(.budgetBounded, to: evaluation.bounded ? 1 : 0)
    }
}
