import Ranking

/// Routes a reference set's queries the way the product does (global fit, tiers, batched SW
/// ranking) and measures how far the answers are from the reference method's. The reference is
/// RouteLLM's kernel (γ = 1); at another sharpness the differences say how far γ moves the answers.
struct ReferenceCheck {
    let ranker: SimilarityWeightedRanker
    /// The choice `auto` made on the reference memory; nil for a given γ.
    let sharpnessSelection: SharpnessSelection?
    let queries: Int
    let tiersMatch: Bool
    let largestGlobalRatingDifference: Double
    let largestWinRateDifference: Double
    let largestRatingDifference: Double

    init(_ reference: ReferenceSet, rule: SameTierRule, batch: Int, sharpness setting: KernelSharpness = .routeLLM) throws {
        let memory = reference.memory
        let fitted = GlobalTiers(of: memory, tierCount: reference.tierCount)
        let tierOfModel = fitted.tierOfModel
        tiersMatch = memory.models.indices.allSatisfy { tierOfModel[$0] == reference.tiers[memory.models[$0]] }
        largestGlobalRatingDifference = largestCentredDifference(
            fitted.ratings, memory.models.map { reference.globalRatings[$0] ?? .nan })

        let grouped = memory.groupedByMatchup()
        let (sharpness, selection) = setting.resolved(stored: nil) {
            SharpnessSelection(memory: grouped, tierOfModel: tierOfModel, sameTierRule: rule)
        }
        sharpnessSelection = selection
        ranker = SimilarityWeightedRanker(memory: grouped, tierOfModel: tierOfModel, sameTierRule: rule, sharpness: sharpness)
        let ratings = try RouterTiming.rankAll(reference.queries, ranker: ranker, batch: batch, workspace: RankingWorkspace())
        guard let strong = memory.index(ofModel: reference.strongModel), let weak = memory.index(ofModel: reference.weakModel) else {
            throw CommandFailure("the reference's strong or weak model has no battles")
        }
        let expected = reference.expected[rule] ?? []
        guard expected.count == ratings.count else {
            throw CommandFailure("the reference has \(expected.count) expected queries for \(ratings.count) query embeddings")
        }
        queries = ratings.count
        var winRateDifference = 0.0
        var ratingDifference = 0.0
        for (ours, theirs) in zip(ratings, expected) {
            let winRate = ours.winRate(ofTier: tierOfModel[strong], overTier: tierOfModel[weak])
            winRateDifference = max(winRateDifference, abs(winRate - theirs.strongWinRate))
            ratingDifference = max(ratingDifference, largestCentredDifference(ours.ratings, theirs.tierRatings))
        }
        largestWinRateDifference = winRateDifference
        largestRatingDifference = ratingDifference
    }
}

/// Ratings are identified up to a constant: compare them after subtracting each side's mean.
/// A NaN anywhere (a missing value) makes the answer NaN, never a silent pass.
func largestCentredDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    let meanA = a.reduce(0, +) / Double(a.count)
    let meanB = b.reduce(0, +) / Double(b.count)
    return zip(a, b).reduce(0.0) { worst, pair in
        let difference = abs((pair.0 - meanA) - (pair.1 - meanB))
        return difference.isNaN || worst.isNaN ? .nan : max(worst, difference)
    }
}
