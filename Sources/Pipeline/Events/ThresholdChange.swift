import Foundation
import Ledger

/// A change the budget controller made to a router's threshold: schema
/// `routeledger.threshold.v1` (schemas/threshold.v1.json), produced to `llm.thresholds` with the
/// batch whose decisions first use the new threshold (in the same transaction with
/// `exactly_once`), keyed by the router instance. Decisions carry the threshold they used.
public struct ThresholdChange: Sendable, Codable, Equatable {
    public static let schema = "routeledger.threshold.v1"

    public var schema = Self.schema
    /// The router instance (its `kafka.transactional_id`): each instance controls its own threshold.
    public let router: String
    public let routerVersion: String
    public let ratingsVersion: String
    public let previousThreshold: Double
    public let threshold: Double
    /// The threshold that would have met the target over the window, before bounds and step limit.
    public let windowThreshold: Double
    /// True when the target lies beyond `min_threshold` / `max_threshold`.
    public let bounded: Bool
    public let targetStrongShare: Double?
    /// Dollars per hour, a decimal string with six decimals.
    public let targetUSDPerHour: String?
    public let windowSeconds: Double
    public let windowDecisions: Int
    public let windowStrongShare: Double
    public let windowUSDPerHour: String
    public let changedAt: String

    init(_ proposal: BudgetEvaluation, target: BudgetSettings.Target, router: String, routerVersion: String,
         ratingsVersion: String, at date: Date) {
        self.router = router
        self.routerVersion = routerVersion
        self.ratingsVersion = ratingsVersion
        previousThreshold = proposal.previous
        threshold = proposal.threshold
        windowThreshold = proposal.windowThreshold
        bounded = proposal.bounded
        switch target {
        case .strongShare(let share):
            (targetStrongShare, targetUSDPerHour) = (share, nil)
        case .spendPerHour(let rate):
            (targetStrongShare, targetUSDPerHour) = (nil, rate.description)
        }
        windowSeconds = proposal.window.seconds
        windowDecisions = proposal.window.decisions
        windowStrongShare = proposal.window.strongShare
        windowUSDPerHour = proposal.window.spendPerHour.description
        changedAt = formatTimestamp(date)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schema, router
        case routerVersion = "router_version"
        case ratingsVersion = "ratings_version"
        case previousThreshold = "previous_threshold"
        case threshold
        case windowThreshold = "window_threshold"
        case bounded
        case targetStrongShare = "target_strong_share"
        case targetUSDPerHour = "target_usd_per_hour"
        case windowSeconds = "window_seconds"
        case windowDecisions = "window_decisions"
        case windowStrongShare = "window_strong_share"
        case windowUSDPerHour = "window_usd_per_hour"
        case changedAt = "changed_at"
    }
}
