import Ranking

/// A full refit of the global ratings over a set of battles: the Bradley–Terry MLE
/// (`GlobalRatings.fit`), seeded bootstrap intervals (`GlobalRatings.bootstrapIntervals`) and
/// tiers (`Tiers.assign`) — the same functions, on the same battles in the same order, as an
/// offline fit, so the two agree exactly.
public struct RatingsRefit: Sendable, Equatable {
    /// The models, sorted by name; every array below is indexed like it.
    public let models: [String]
    public let ratings: [Double]
    public let intervals: [GlobalRatings.Interval]
    /// 0 is the strongest tier.
    public let tiers: [Int]
    public let battlesPerModel: [Int]
    public let battleCount: Int
    public let tierCount: Int
    public let rounds: Int
    public let seed: UInt64
    public let confidence: Double

    public static let defaultConfidence = 0.95

    /// Fits the battles in the order given (the bootstrap's resamples depend on it).
    public init(_ battles: [StoredOutcome], tierCount: Int, rounds: Int, seed: UInt64,
                confidence: Double = RatingsRefit.defaultConfidence) {
        models = Array(Set(battles.flatMap { [$0.modelA, $0.modelB] })).sorted()
        let index = Dictionary(uniqueKeysWithValues: models.enumerated().map { ($0.element, $0.offset) })
        let indexed = battles.map { IndexedBattle(a: index[$0.modelA]!, b: index[$0.modelB]!, outcome: $0.outcome) }
        var perModel = [Int](repeating: 0, count: models.count)
        for battle in indexed {
            perModel[battle.a] += 1
            perModel[battle.b] += 1
        }
        ratings = GlobalRatings.fit(indexed, modelCount: models.count)
        intervals = GlobalRatings.bootstrapIntervals(indexed, modelCount: models.count, rounds: rounds, seed: seed,
                                                     confidence: confidence)
        tiers = Tiers.assign(ratings: ratings, tierCount: tierCount)
        battlesPerModel = perModel
        battleCount = battles.count
        self.tierCount = tierCount
        self.rounds = rounds
        self.seed = seed
        self.confidence = confidence
    }

    /// The tier of a model; nil for one without battles.
    public func tier(of model: String) -> Int? {
        models.firstIndex(of: model).map { tiers[$0] }
    }
}
