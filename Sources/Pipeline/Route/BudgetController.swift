import Foundation
import Ledger
import Ranking

/// One decision as the budget controller keeps it: enough to replay it at another threshold.
struct BudgetObservation: Sendable {
    let time: ContinuousClock.Instant
    /// P(reference beats candidate) for each candidate but the last, cheapest first: the rule
    /// picks the first whose rate is below the threshold, else the last.
    let winRates: [Double]
    /// Estimated cost of each candidate for this query, micro-dollars, the last one last.
    let costs: [Int64]
    /// Whether the last candidate is the reference model (a query may rule it out).
    let lastIsReference: Bool
    /// The candidate actually chosen.
    let chosen: Int

    init(time: ContinuousClock.Instant, winRates: [Double], costs: [Int64], lastIsReference: Bool, chosen: Int) {
        precondition(costs.count == winRates.count + 1 && costs.indices.contains(chosen))
        self.time = time
        self.winRates = winRates
        self.costs = costs
        self.lastIsReference = lastIsReference
        self.chosen = chosen
    }

    /// A decision as the route stage made it, priced per candidate at the prices its batch was
    /// estimated at.
    init(_ decision: RoutingDecision, prices: [String: RoutePrice], at time: ContinuousClock.Instant) {
        let names = decision.candidates.map(\.model)
        self.init(time: time, winRates: decision.candidates.dropLast().map(\.referenceWinRate),
                  costs: names.map { prices[$0]!.tokenPrice.cost(inputTokens: decision.estimatedInputTokens,
                                                                 outputTokens: decision.estimatedOutputTokens).microunits },
                  lastIsReference: names.last == decision.referenceModel, chosen: names.firstIndex(of: decision.model)!)
    }

    var isStrong: Bool { lastIsReference && chosen == costs.count - 1 }

    /// The candidate the rule picks at `threshold`.
    func choice(at threshold: Double) -> Int {
        winRates.firstIndex { $0 < threshold } ?? winRates.count
    }

    /// The highest threshold at which this query still goes to the reference model: the lowest
    /// of its win rates (1 when the reference is its only candidate, -1 when it is not allowed).
    var strongUpTo: Double {
        guard lastIsReference else { return -1 }
        return RoutingRule.strongUpTo(cheaperWinRates: winRates)
    }
}

/// What the decisions of the window did, and the threshold that would have met the target on them.
struct BudgetWindow: Sendable, Equatable {
    var seconds: Double
    var decisions: Int
    /// Share of the window's decisions that went to the reference model.
    var strongShare: Double
    /// The window's estimated spend, per hour.
    var spendPerHour: MicroUSD
}

/// Where the controller stands after looking at its window: the threshold it proposes next (a
/// change takes effect with `apply`, once the batch that first uses it, and carries its record,
/// is committed).
struct BudgetEvaluation: Sendable, Equatable {
    let previous: Double
    let threshold: Double
    /// The threshold that would have met the target over the window, before the bounds and the step limit.
    let windowThreshold: Double
    /// Whether the target lies beyond `min_threshold` / `max_threshold`: the bounds, not the
    /// target, decide where the threshold stops.
    let bounded: Bool
    let window: BudgetWindow

    var changesThreshold: Bool { threshold != previous }
}

/// The online budget controller. RouteLLM calibrates its threshold once, offline; this one
/// re-calibrates it on live traffic: it keeps a sliding window of recent decisions with the
/// win rates and per-candidate costs each was decided on, replays the window at other
/// thresholds to find the one that would have held the target (a share of decisions on the
/// reference model, or an estimated spend per hour), and moves the threshold towards it by at
/// most `max_step`, at most once per `interval_seconds`, never outside
/// `[min_threshold, max_threshold]`, and not at all when it is within `min_change` of it.
/// Replaying the decisions, rather than reacting to the share they had, keeps it from
/// overshooting: the window says where the target is, not only on which side. Thresholds are
/// kept to four decimals, as the change records show them.
struct BudgetController: Sendable {
    let settings: BudgetSettings
    private(set) var threshold: Double
    private let started: ContinuousClock.Instant
    private var lastEvaluation: ContinuousClock.Instant?
    /// Oldest first; `head` is the first still in the window.
    private var observations: [BudgetObservation] = []
    private var head = 0
    private var trimmedByCount = false

    init(settings: BudgetSettings, threshold: Double, at start: ContinuousClock.Instant) {
        self.settings = settings
        self.threshold = Self.rounded(min(max(threshold, settings.minThreshold), settings.maxThreshold))
        started = start
    }

    /// Adds a committed batch's decisions to the window.
    mutating func observe(_ batch: [BudgetObservation], at now: ContinuousClock.Instant) {
        observations += batch
        prune(at: now)
    }

    /// Looks at the window, at most once per `interval_seconds` and only once it holds
    /// `min_decisions`: nil otherwise. So changes are at least `interval_seconds` apart.
    mutating func evaluate(at now: ContinuousClock.Instant) -> BudgetEvaluation? {
        prune(at: now)
        let window = observations[head...]
        guard window.count >= settings.minDecisions else { return nil }
        if let lastEvaluation, now - lastEvaluation < .seconds(settings.intervalSeconds) { return nil }
        lastEvaluation = now
        let (target, beyondBounds) = windowThreshold(window, span: span(at: now))
        let goal = Self.rounded(min(max(target, settings.minThreshold), settings.maxThreshold))
        // Within min_change of the goal it holds, unless the goal is a bound the target lies beyond.
        let next = abs(goal - threshold) < settings.minChange && !beyondBounds
            ? threshold : Self.rounded(threshold + min(max(goal - threshold, -settings.maxStep), settings.maxStep))
        return BudgetEvaluation(previous: threshold, threshold: next,
                                windowThreshold: target, bounded: beyondBounds, window: summary(at: now))
    }

    /// Puts an evaluation's threshold into effect.
    mutating func apply(_ evaluation: BudgetEvaluation) {
        threshold = evaluation.threshold
    }

    /// What the window's decisions did.
    func summary(at now: ContinuousClock.Instant) -> BudgetWindow {
        let window = observations[head...]
        let span = span(at: now)
        let spend = window.reduce(Int64(0)) { $0 + $1.costs[$1.chosen] }
        return BudgetWindow(seconds: Double(span) / 1_000, decisions: window.count,
                            strongShare: window.isEmpty ? 0 : Double(window.count { $0.isStrong }) / Double(window.count),
                            spendPerHour: MicroUSD(microunits: span == 0 ? 0 : Self.scale(spend, by: 3_600_000, over: span)))
    }

    /// The threshold that would have met the target over `window`, and whether it lies beyond the bounds.
    private func windowThreshold(_ window: ArraySlice<BudgetObservation>, span milliseconds: Int64) -> (Double, Bool) {
        switch settings.target {
        case .strongShare(let share):
            let target = ThresholdCalibration.threshold(winRates: window.map(\.strongUpTo), strongShare: share)
            return (target, target < settings.minThreshold || target > settings.maxThreshold)
        case .spendPerHour(let rate):
            let budget = Self.scale(rate.microunits, by: milliseconds, over: 3_600_000)
            return lowestThreshold(within: budget, window)
        }
    }

    /// The lowest threshold in the bounds at which the window would have spent no more than
    /// `budget`. Spend only changes where the threshold passes one of the window's win rates,
    /// so the candidates are the bounds and the midpoints between neighbouring win rates; a
    /// higher threshold picks cheaper candidates, so spend falls as the threshold rises and a
    /// binary search finds the first candidate within budget. Bounded when even the lowest
    /// threshold stays within budget (the target lies below it) or the highest does not.
    private func lowestThreshold(within budget: Int64, _ window: ArraySlice<BudgetObservation>) -> (Double, Bool) {
        let (low, high) = (settings.minThreshold, settings.maxThreshold)
        let rates = Set(window.flatMap(\.winRates).filter { $0 >= low && $0 < high }).sorted()
        var candidates = [low]
        for (index, rate) in rates.enumerated() {
            candidates.append((rate + (index + 1 < rates.count ? rates[index + 1] : high)) / 2)
        }
        func spend(at threshold: Double) -> Int64 {
            window.reduce(0) { $0 + $1.costs[$1.choice(at: threshold)] }
        }
        if spend(at: low) <= budget { return (low, true) }
        guard spend(at: candidates[candidates.count - 1]) <= budget else { return (high, true) }
        var (outside, inside) = (0, candidates.count - 1)
        while inside - outside > 1 {
            let middle = (outside + inside) / 2
            if spend(at: candidates[middle]) <= budget { inside = middle } else { outside = middle }
        }
        return (candidates[inside], false)
    }

    /// Milliseconds the window covers: `window_seconds`, or less while the controller is younger
    /// than that or the window holds only the newest `max_window_decisions`.
    private func span(at now: ContinuousClock.Instant) -> Int64 {
        var start = max(now - .seconds(settings.windowSeconds), started)
        if trimmedByCount, head < observations.count { start = max(start, observations[head].time) }
        return max(0, Int64(((now - start) / .milliseconds(1)).rounded()))
    }

    private mutating func prune(at now: ContinuousClock.Instant) {
        let cutoff = now - .seconds(settings.windowSeconds)
        while head < observations.count, observations[head].time < cutoff { head += 1 }
        let excess = observations.count - head - settings.maxWindowDecisions
        if excess > 0 {
            head += excess
            trimmedByCount = true
        }
        // Drop the consumed prefix now and then, not at every batch.
        if head > 4_096, head * 2 > observations.count {
            observations.removeFirst(head)
            head = 0
        }
    }

    /// `value × numerator / denominator` in exact integer arithmetic (micro-dollars per hour and
    /// milliseconds multiply past 64 bits).
    private static func scale(_ value: Int64, by numerator: Int64, over denominator: Int64) -> Int64 {
        let product = value.multipliedFullWidth(by: numerator)
        return denominator.dividingFullWidth(product).quotient
    }

    static func rounded(_ threshold: Double) -> Double {
        (threshold * 10_000).rounded() / 10_000
    }
}
