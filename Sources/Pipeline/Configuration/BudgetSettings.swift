import Ledger

/// The online budget controller's settings (`budget` in the configuration; off unless
/// `budget.enabled`): what to hold over a sliding window of recent decisions, and how fast and
/// how far the threshold may move to hold it.
public struct BudgetSettings: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// This share of decisions on the reference model.
        case strongShare(Double)
        /// Estimated spend at this rate, dollars per hour.
        case spendPerHour(MicroUSD)
    }

    public var target: Target
    /// The sliding window of decisions the target is held over.
    public var windowSeconds = 600.0
    /// At most this many of the newest decisions are kept in the window.
    public var maxWindowDecisions = 20_000
    /// No change before the window holds this many decisions.
    public var minDecisions = 200
    /// At most one change this often.
    public var intervalSeconds = 10.0
    /// A change moves the threshold by at most this much…
    public var maxStep = 0.02
    /// …and by at least this much: smaller moves would only chase the window's noise.
    public var minChange = 0.01
    public var minThreshold = 0.0
    public var maxThreshold = 1.0

    public init(target: Target) {
        self.target = target
    }

    /// Reads the `budget` section; nil when it is absent or not enabled. Every setting is
    /// checked either way, so a disabled section is still a valid one.
    static func read(_ section: SettingsReader) -> BudgetSettings? {
        let enabled = section.bool("enabled") ?? false
        let share = section.number("strong_share", in: 0...1)
        let rate = section.string("usd_per_hour")
        var target: Target?
        switch (share, rate) {
        case (let share?, nil):
            target = .strongShare(share)
        case (nil, let text?):
            if let amount = MicroUSD(dollars: text), amount > .zero, amount <= Self.maximumSpendPerHour {
                target = .spendPerHour(amount)
            } else {
                section.problem("usd_per_hour", "expected dollars per hour as a decimal string (at most six decimals), above 0 and at most \(Self.maximumSpendPerHour)")
            }
        case (_?, _?):
            section.problem("strong_share", "give strong_share or usd_per_hour, not both")
        case (nil, nil):
            if enabled { section.problem("strong_share", "the budget controller needs a target: strong_share or usd_per_hour") }
        }
        var settings = BudgetSettings(target: target ?? .strongShare(0))
        settings.windowSeconds = section.number("window_seconds", in: 1...86_400) ?? settings.windowSeconds
        settings.maxWindowDecisions = section.integer("max_window_decisions", in: 10...1_000_000) ?? settings.maxWindowDecisions
        settings.minDecisions = section.integer("min_decisions", in: 1...1_000_000) ?? settings.minDecisions
        settings.intervalSeconds = section.number("interval_seconds", in: 0...86_400) ?? settings.intervalSeconds
        settings.maxStep = section.number("max_step", in: 0.0001...1) ?? settings.maxStep
        settings.minChange = section.number("min_change", in: 0...1) ?? settings.minChange
        settings.minThreshold = section.number("min_threshold", in: 0...1) ?? settings.minThreshold
        settings.maxThreshold = section.number("max_threshold", in: 0...1) ?? settings.maxThreshold
        if settings.minThreshold >= settings.maxThreshold {
            section.problem("min_threshold", "must be below max_threshold (\(settings.maxThreshold))")
        }
        if settings.minChange > settings.maxStep {
            section.problem("min_change", "cannot exceed max_step (\(settings.maxStep))")
        }
        if settings.minDecisions > settings.maxWindowDecisions {
            section.problem("min_decisions", "cannot exceed max_window_decisions (\(settings.maxWindowDecisions))")
        }
        section.finish()
        return enabled && target != nil ? settings : nil
    }

    /// Far above any real budget, and low enough that a day's window of it fits exact arithmetic.
    public static let maximumSpendPerHour = MicroUSD(dollars: "1000000")!
}
