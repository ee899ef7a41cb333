import Foundation
import Testing
@testable import Ranking

@Suite struct GlobalRatingsTests {
    /// Model 0 beats 1 twice as often as it loses, 1 beats 2 likewise.
    private let battles: [IndexedBattle] = (0..<60).flatMap { i -> [IndexedBattle] in
        [IndexedBattle(a: 0, b: 1, outcome: i % 3 == 0 ? .modelB : .modelA),
         IndexedBattle(a: 2, b: 1, outcome: i % 3 == 0 ? .modelA : .modelB)]
    }

    @Test func ratingsOrderModelsByStrength() {
        let ratings = GlobalRatings.fit(battles, modelCount: 3)
        #expect(ratings[0] > ratings[1] && ratings[1] > ratings[2])
        // Symmetric chain: each gap is 400·log10(2) in the MLE.
        #expect(abs((ratings[0] - ratings[1]) - 400 * log10Two) < 1e-6)
    }

    @Test func bootstrapIsReproducibleFromItsSeed() {
        let first = GlobalRatings.bootstrapIntervals(battles, modelCount: 3, rounds: 40, seed: 7)
        let second = GlobalRatings.bootstrapIntervals(battles, modelCount: 3, rounds: 40, seed: 7)
        let other = GlobalRatings.bootstrapIntervals(battles, modelCount: 3, rounds: 40, seed: 8)
        #expect(first == second)
        #expect(first != other)
    }

    @Test func bootstrapIntervalsAreOrderedAndCoverTheEstimate() {
        let ratings = GlobalRatings.fit(battles, modelCount: 3)
        let intervals = GlobalRatings.bootstrapIntervals(battles, modelCount: 3, rounds: 200, seed: 1)
        for (rating, interval) in zip(ratings, intervals) {
            #expect(interval.lower <= interval.median && interval.median <= interval.upper)
            #expect(interval.lower < rating && rating < interval.upper)
            #expect(interval.upper - interval.lower > 1)
        }
    }
}

private let log10Two = 0.301_029_995_663_981_2
