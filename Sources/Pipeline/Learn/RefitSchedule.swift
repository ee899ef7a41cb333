import Foundation

/// When the learn stage refits: at once when a battle names a configured model the current
/// version does not rate, after `learning.refit_every_votes` new battles, or once
/// `learning.refit_interval_seconds` have passed with new battles — but never sooner than
/// `learning.min_refit_interval_seconds` after the previous refit, published or refused, so no
/// stream of votes can keep the stage refitting. Only battles between configured models count:
/// no other battle changes a fit.
struct RefitSchedule {
    let everyVotes: Int
    let interval: TimeInterval
    let minimumGap: TimeInterval
    private(set) var battlesSinceRefit: Int
    private var lastPublished: Date
    private var lastAttempt = Date.distantPast
    private var unratedModel = false

    init(_ learning: RouteLedgerConfiguration.Learning, battlesSinceRefit: Int, lastPublished: Date) {
        everyVotes = learning.refitEveryVotes
        interval = learning.refitIntervalSeconds
        minimumGap = learning.minRefitIntervalSeconds
        self.battlesSinceRefit = battlesSinceRefit
        self.lastPublished = lastPublished
    }

    mutating func stored(namingUnratedModel: Bool) {
        battlesSinceRefit += 1
        unratedModel = unratedModel || namingUnratedModel
    }

    /// Why a refit is due at `now`; nil when none is, or the previous one was too recent.
    func due(at now: Date) -> RatingsVersion.Reason? {
        guard battlesSinceRefit > 0, now.timeIntervalSince(lastAttempt) >= minimumGap else { return nil }
        if unratedModel { return .newModel }
        if battlesSinceRefit >= everyVotes { return .votes }
        if now.timeIntervalSince(lastPublished) >= interval { return .schedule }
        return nil
    }

    mutating func attempted(at now: Date) {
        lastAttempt = now
    }

    /// A version now covers every battle stored so far.
    mutating func published(at now: Date) {
        battlesSinceRefit = 0
        unratedModel = false
        lastPublished = now
    }
}
