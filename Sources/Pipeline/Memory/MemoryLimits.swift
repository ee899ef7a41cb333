import Foundation
import Ranking

/// Optional bounds on the battle memory a router holds, all off by default: a cap on the number
/// of battles (the newest kept), per-source caps, and a half-life after which a battle's weight
/// has halved (`Ranking.TimeDecay`).
public struct MemoryLimits: Sendable, Equatable {
    public var maxBattles: Int?
    public var maxBattlesPerSource: [String: Int] = [:]
    public var halfLifeHours: Double?

    public init() {}

    /// The decay of `halfLifeHours` with ages measured from `now`; nil without a half-life.
    public func decay(at now: Date = Date()) -> TimeDecay? {
        halfLifeHours.map { TimeDecay(halfLifeSeconds: $0 * 3_600, now: now.timeIntervalSince1970) }
    }

    /// Indices of the battles to keep, given each battle's time (seconds since 1970, NaN when
    /// unknown, which counts as oldest) and source: per-source caps first, then the total cap,
    /// newest first in both. The result is in ascending index order.
    public func keptBattles(times: [Double], sources: [String]) -> [Int] {
        precondition(times.count == sources.count)
        let newestFirst = times.indices.sorted { a, b in
            let (ta, tb) = (times[a].isNaN ? -Double.infinity : times[a], times[b].isNaN ? -Double.infinity : times[b])
            return ta != tb ? ta > tb : a > b
        }
        var keptPerSource: [String: Int] = [:]
        var kept: [Int] = []
        for index in newestFirst {
            if let cap = maxBattles, kept.count >= cap { break }
            if let cap = maxBattlesPerSource[sources[index]] {
                guard keptPerSource[sources[index], default: 0] < cap else { continue }
                keptPerSource[sources[index], default: 0] += 1
            }
            kept.append(index)
        }
        return kept.sorted()
    }
}
