/// One query's ratings of the tiers (Elo scale, indexed by tier, 0 the strongest tier).
public struct TierRatings: Sendable, Equatable {
    public let ratings: [Double]

    public init(ratings: [Double]) {
        self.ratings = ratings
    }

    /// P(a model of tier `a` beats a model of tier `b`) for this query.
    public func winRate(ofTier a: Int, overTier b: Int) -> Double {
        BradleyTerry.winProbability(ratings[a], over: ratings[b])
    }
}
