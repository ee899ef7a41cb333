/// Which model answers a query, given the query's tier ratings.
///
/// Candidates are listed cheapest first and the last one is the reference (the strongest, most
/// expensive) model. The reference's predicted win rate over each cheaper candidate is compared
/// with the threshold: the cheapest candidate it does *not* beat with probability ≥ threshold is
/// chosen; if it beats them all, the reference answers. With two candidates this is RouteLLM's
/// rule: strong iff P(strong beats weak) ≥ threshold.
public struct RoutingRule: Sendable {
    /// Tier of each candidate, cheapest first, the reference last.
    public let candidateTiers: [Int]
    public let threshold: Double

    public init(candidateTiers: [Int], threshold: Double) {
        precondition(!candidateTiers.isEmpty, "a routing rule needs at least one candidate")
        self.candidateTiers = candidateTiers
        self.threshold = threshold
    }

    public struct Choice: Sendable, Equatable {
        /// Index into the candidates.
        public let candidate: Int
        /// P(reference beats candidate i) for every candidate (0.5 for the reference itself).
        public let referenceWinRates: [Double]
    }

    public func choose(_ ratings: TierRatings) -> Choice {
        let referenceTier = candidateTiers[candidateTiers.count - 1]
        let winRates = candidateTiers.map { ratings.winRate(ofTier: referenceTier, overTier: $0) }
        let chosen = winRates.dropLast().firstIndex { $0 < threshold } ?? candidateTiers.count - 1
        return Choice(candidate: chosen, referenceWinRates: winRates)
    }

    /// The highest threshold at which the rule gives this query to the reference: the lowest of
    /// the reference's win rates over the cheaper candidates. A strong share is calibrated on
    /// these: the win rate over the cheapest alone overstates what a threshold sends strong as
    /// soon as a third candidate sits between the two.
    public func strongUpTo(_ ratings: TierRatings) -> Double {
        let referenceTier = candidateTiers[candidateTiers.count - 1]
        return Self.strongUpTo(cheaperWinRates: candidateTiers.dropLast().map { ratings.winRate(ofTier: referenceTier, overTier: $0) })
    }

    /// The same from the reference's win rates over the cheaper candidates: their lowest, 1 when
    /// there is no cheaper candidate (the reference always answers).
    public static func strongUpTo(cheaperWinRates: [Double]) -> Double {
        cheaperWinRates.min() ?? 1
    }
}
