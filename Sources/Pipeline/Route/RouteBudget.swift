import Foundation
import Synchronization

/// The budget controller at work in the route stage: before each batch it says which threshold
/// the batch is decided with and, when that is a change, the record of it to produce with the
/// batch's decisions; once the batch is committed, the change takes effect (logged, counted)
/// and the batch's decisions join the window.
final class RouteBudget: Sendable {
    /// The threshold one batch is decided with, and the change it makes, if any.
    struct BatchThreshold {
        let threshold: Double
        let evaluation: BudgetEvaluation?
        /// The change record, to produce with the batch.
        let record: OutputRecord?
    }

    private let controller: Mutex<BudgetController>
    private let configuration: RouteLedgerConfiguration
    private let metrics: MetricsRegistry
    private let log: StageLog
    private let encoder = JSONEncoder()

    /// Nil when the configuration has no budget controller.
    init?(configuration: RouteLedgerConfiguration, threshold: Double, metrics: MetricsRegistry, log: StageLog) {
        guard let settings = configuration.budget else { return nil }
        controller = Mutex(BudgetController(settings: settings, threshold: threshold, at: .now))
        self.configuration = configuration
        self.metrics = metrics
        self.log = log
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch settings.target {
        case .strongShare(let share): metrics.set(.budgetTargetStrongShare, to: share)
        case .spendPerHour(let rate): metrics.set(.budgetTargetSpend, to: rate)
        }
    }

    var threshold: Double { controller.withLock { $0.threshold } }

    func nextBatch(ratingsVersion: String) -> BatchThreshold {
        let (current, evaluation) = controller.withLock { ($0.threshold, $0.evaluate(at: .now)) }
        guard let evaluation else { return BatchThreshold(threshold: current, evaluation: nil, record: nil) }
        report(evaluation)
        guard evaluation.changesThreshold else { return BatchThreshold(threshold: current, evaluation: evaluation, record: nil) }
        let change = ThresholdChange(evaluation, target: controller.withLock { $0.settings.target },
                                     router: configuration.kafka.transactionalID, routerVersion: configuration.routing.routerVersion,
                                     ratingsVersion: ratingsVersion, at: Date())
        let value: Data
        do {
            value = try encoder.encode(change)
        } catch {
            preconditionFailure("encoding a threshold change cannot fail: \(error)")
        }
        return BatchThreshold(threshold: evaluation.threshold, evaluation: evaluation,
                              record: OutputRecord(topic: configuration.topics.thresholds, key: Data(change.router.utf8), value: value))
    }

    /// The batch decided at `batch.threshold` is committed: a change takes effect, and the
    /// decisions join the window.
    func committed(_ batch: BatchThreshold, decisions: [RoutingDecision], snapshot: RouterSnapshot) {
        let now = ContinuousClock.now
        let observations = decisions.map { BudgetObservation($0, prices: snapshot.prices, at: now) }
        controller.withLock { controller in
            if let evaluation = batch.evaluation, evaluation.changesThreshold { controller.apply(evaluation) }
            controller.observe(observations, at: now)
        }
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
