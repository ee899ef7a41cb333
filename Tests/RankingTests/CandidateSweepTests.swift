import Foundation
import Testing
@testable import Ranking

/// The multi-model rule at every threshold, on two queries whose win rates are set by hand.
@Suite struct CandidateSweepTests {
    /// Tiers: the reference 0, the mid-priced candidate 1, the cheap one 2. An Elo difference of
    /// 400 · log10(3) is a win rate of 3/4, of 400 · log10(9) one of 9/10.
    private static func ratings(overCheap: Double, overMid: Double) -> TierRatings {
        let elo = { (odds: Double) in 400 * log10(odds) }
        return TierRatings(ratings: [0, -elo(overMid / (1 - overMid)), -elo(overCheap / (1 - overCheap))])
    }

    /// Query 1: the reference beats the cheap candidate with 0.75, the mid one with 0.5; query 2:
    /// 0.9 and 0.75. The rule takes the cheapest candidate whose win rate is below the threshold:
    /// query 1 goes to the reference up to 0.5, to the mid one up to 0.75, then to the cheap one;
    /// query 2 to the reference up to 0.75, the mid one up to 0.9, then the cheap one.
    /// Costs per answer 1 (cheap), 2 (mid), 4 (reference); quality 1 except the cheap answer to
    /// query 2, 0.
    ///
    /// Operating points: both to the reference (cost 8, quality 1); above 0.5, mid + reference
    /// (6, 1); above 0.75, cheap + mid (3, 1); above 0.9, both cheap (2, 0.5). Between the cheap
    /// model alone (2) and the dearest alone (8), costs normalise to 1, 2/3, 1/6 and 0; the hull
    /// rises from (0, 0.5) to (1/6, 1) and stays at 1: AIQ = 1/6 · 0.75 + 5/6 · 1 = 23/24. The
    /// models alone, (0, 0.5), (1/3, 1) and (1, 1): 1/3 · 0.75 + 2/3 · 1 = 11/12.
    @Test func everyThresholdWhereAChoiceChangesIsAnOperatingPoint() throws {
        let tiers = [2, 1, 0]
        let sweep = CandidateSweep(queries: [
            .init(ratings: Self.ratings(overCheap: 0.75, overMid: 0.5), candidateTiers: tiers, quality: [1, 1, 1], cost: [1, 2, 4]),
            .init(ratings: Self.ratings(overCheap: 0.9, overMid: 0.75), candidateTiers: tiers, quality: [0, 1, 1], cost: [1, 2, 4]),
        ])
        #expect(sweep.points.map(\.totalCost) == [8, 6, 3, 2])
        #expect(sweep.points.map(\.meanQuality) == [1, 1, 1, 0.5])
        #expect(sweep.points.map(\.answered) == [[0, 0, 2], [0, 1, 1], [1, 1, 0], [2, 0, 0]])
        let thresholds = sweep.points.map(\.threshold)
        #expect(thresholds[0] == 0 && zip(thresholds.dropFirst(), [0.5, 0.75, 0.9]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(sweep.singleModels.map(\.totalCost) == [2, 4, 8] && sweep.singleModels.map(\.meanQuality) == [0.5, 1, 1])

        let aiq = AIQ.area(of: sweep.points.map { AIQ.Point(cost: Double($0.totalCost), quality: $0.meanQuality) }, cheapest: 2, dearest: 8)
        #expect(abs(aiq - 23.0 / 24) < 1e-12)
        let alone = AIQ.area(of: sweep.singleModels.map { AIQ.Point(cost: Double($0.totalCost), quality: $0.meanQuality) },
                             cheapest: 2, dearest: 8)
        #expect(abs(alone - 11.0 / 12) < 1e-12)
    }

    /// When the reference is never more likely to win (every win rate 0.5), any threshold above
    /// 0.5 gives every query to the cheapest candidate: two operating points only.
    @Test func aCheapModelAsGoodAsTheReferenceTakesEveryQueryAboveOneHalf() {
        let even = TierRatings(ratings: [1_000, 1_000, 1_000])
        let sweep = CandidateSweep(queries: (0..<3).map { _ in
            .init(ratings: even, candidateTiers: [2, 1, 0], quality: [7, 5, 7], cost: [1, 2, 4])
        })
        #expect(sweep.points.map(\.answered) == [[0, 0, 3], [3, 0, 0]])
        #expect(sweep.points[1].threshold == 0.5.nextUp && sweep.points.map(\.meanQuality) == [7, 7])
    }
}
