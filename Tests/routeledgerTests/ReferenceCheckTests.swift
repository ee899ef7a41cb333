import Foundation
import Ranking
import TestSupport
import Testing
@testable import routeledger

/// The acceptance check of the SW router: on every reference set of shared/reference/sw and for
/// both variants, the strong model's win rate is within 1e-6 of RouteLLM's formulation solved to
/// convergence, and the tiers are the same.
@Suite struct ReferenceCheckTests {
    @Test(arguments: ["small", "main"], SameTierRule.allCases)
    func matchesTheReferenceMethod(set: String, rule: SameTierRule) throws {
        let reference = try ReferenceSet(directory: try SharedFixtures.url("reference/sw/\(set)"))
        let check = try ReferenceCheck(reference, rule: rule, batch: 64)
        #expect(check.queries == reference.queries.rows && check.queries > 0)
        #expect(check.tiersMatch)
        #expect(check.largestWinRateDifference <= 1e-6)
        #expect(check.largestRatingDifference <= 1e-3)
        #expect(check.largestGlobalRatingDifference <= 1e-3)
    }

    /// The batched router equals the method computed plainly, query by query, in double
    /// precision: similarities, weights 10 · 10^(γ s / max s) unscaled, counts and the same fit.
    /// The float similarities of the SGEMM move a weight by γ · ln 10 / max s times their rounding;
    /// where that slope is steep (here max s ≈ 0.2, so γ = 8 makes it 92) the router recomputes
    /// its nearest prompts' similarities in double. Without that the difference at γ = 8 was
    /// 1.5e-6; the plain float computation of the similarities, summed in order, gives 1.9e-6.
    @Test(arguments: [(1.0, 1e-7), (8, 1e-6)])
    func aSharperKernelEqualsThePlainComputation(sharpness: Double, tolerance: Double) throws {
        let reference = try ReferenceSet(directory: try SharedFixtures.url("reference/sw/main"))
        let memory = reference.memory
        let tierOfModel = GlobalTiers(of: memory, tierCount: reference.tierCount).tierOfModel
        let ranker = SimilarityWeightedRanker(memory: memory.groupedByMatchup(), tierOfModel: tierOfModel, sharpness: sharpness)
        let batched = try ranker.rank(reference.queries)
        let strong = tierOfModel[try #require(memory.index(ofModel: reference.strongModel))]
        let weak = tierOfModel[try #require(memory.index(ofModel: reference.weakModel))]
        let dimension = memory.dimension
        var largest = 0.0
        // A quarter of the queries: the plain loops run unoptimised in a debug build.
        for query in 0..<reference.queries.rows / 4 {
            let q = (0..<dimension).map { Double(reference.queries.values[query * dimension + $0]) }
            let norm = q.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let similarities = (0..<memory.count).map { battle in
                zip(q, memory.embedding(ofBattle: battle)).reduce(0.0) { $0 + $1.0 / norm * Double($1.1) }
            }
            let maximum = try #require(similarities.max())
            var counts = PairwiseCounts(playerCount: reference.tierCount)
            for battle in 0..<memory.count {
                let indexed = memory.battle(battle)
                counts.add(IndexedBattle(a: tierOfModel[indexed.a], b: tierOfModel[indexed.b], outcome: indexed.outcome),
                           weight: 10 * pow(10, sharpness * similarities[battle] / maximum))
            }
            let plain = TierRatings(ratings: BradleyTerry.fitRatings(counts)).winRate(ofTier: strong, overTier: weak)
            largest = max(largest, abs(plain - batched[query].winRate(ofTier: strong, overTier: weak)))
        }
        #expect(largest <= tolerance, "largest win rate difference \(largest)")
    }

    /// The check itself must be able to fail: with the other variant's expectations the
    /// numbers disagree well beyond the tolerance.
    @Test func detectsTheWrongVariant() throws {
        let reference = try ReferenceSet(directory: try SharedFixtures.url("reference/sw/small"))
        let swapped = ReferenceSet(memory: reference.memory, queries: reference.queries, tierCount: reference.tierCount,
                                   globalRatings: reference.globalRatings, tiers: reference.tiers,
                                   strongModel: reference.strongModel, weakModel: reference.weakModel,
                                   expected: [.exclude: reference.expected[.routellmCompatible]!])
        let check = try ReferenceCheck(swapped, rule: .exclude, batch: 64)
        #expect(check.largestWinRateDifference > 1e-4)
    }

    @Test func aMissingSetIsAClearError() {
        #expect(throws: CommandFailure.self) {
            try ReferenceSet(directory: URL(fileURLWithPath: "/nonexistent/reference"))
        }
    }
}
