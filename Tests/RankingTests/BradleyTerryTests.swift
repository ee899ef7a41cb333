import Foundation
import Testing
@testable import Ranking

@Suite struct BradleyTerryTests {
    /// Two players: the MLE makes P(a beats b) equal the observed share of a's wins, so the
    /// rating gap is 400·log10(wins_a / wins_b) and the ratings sit symmetrically around 1000.
    @Test func twoPlayersMatchTheClosedForm() {
        var counts = PairwiseCounts(playerCount: 2)
        for _ in 0..<3 { counts.add(IndexedBattle(a: 0, b: 1, outcome: .modelA)) }
        counts.add(IndexedBattle(a: 0, b: 1, outcome: .modelB))
        let ratings = BradleyTerry.fitRatings(counts)
        let gap = 400 * log10(3.0)
        #expect(abs(ratings[0] - (1000 + gap / 2)) < 1e-6)
        #expect(abs(ratings[1] - (1000 - gap / 2)) < 1e-6)
    }

    /// A tie is one win each way: 2 wins + 1 tie for a against 1 win for b is 5 : 3.
    @Test func aTieCountsAsOneWinEachWay() {
        var counts = PairwiseCounts(playerCount: 2)
        counts.add(IndexedBattle(a: 0, b: 1, outcome: .modelA))
        counts.add(IndexedBattle(a: 1, b: 0, outcome: .tieBothBad))
        counts.add(IndexedBattle(a: 1, b: 0, outcome: .modelA))
        counts.add(IndexedBattle(a: 0, b: 1, outcome: .modelA))
        #expect(counts[0, 1] == 5)
        #expect(counts[1, 0] == 3)
        let ratings = BradleyTerry.fitRatings(counts)
        #expect(abs((ratings[0] - ratings[1]) - 400 * log10(5.0 / 3.0)) < 1e-6)
    }
}
