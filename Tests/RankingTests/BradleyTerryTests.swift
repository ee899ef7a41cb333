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

@Suite struct BradleyTerryDegenerateInputTests {
    private func battles(_ list: [(Int, Int, BattleOutcome)], players: Int, weight: Double = 1,
                         rule: SameTierRule = .exclude) -> PairwiseCounts {
        var counts = PairwiseCounts(playerCount: players)
        for (a, b, outcome) in list {
            counts.add(IndexedBattle(a: a, b: b, outcome: outcome), weight: weight, sameTierRule: rule)
        }
        return counts
    }

    @Test func aPlayerWithoutBattlesRatesTheInitialRating() {
        let counts = battles([(0, 1, .modelA), (1, 0, .modelA)], players: 3)
        let ratings = BradleyTerry.fitRatings(counts)
        #expect(ratings.allSatisfy { $0.isFinite })
        #expect(abs(ratings[2] - 1000) < 1e-9)
        #expect(abs(ratings[0] - ratings[1]) < 1e-6)
    }

    @Test func oneSidedResultsGiveAFiniteLargeGap() {
        let counts = battles([(0, 1, .modelA), (0, 1, .modelA), (1, 0, .modelB)], players: 2)
        let ratings = BradleyTerry.fitRatings(counts)
        #expect(ratings.allSatisfy { $0.isFinite })
        #expect(ratings[0] - ratings[1] > 1000)
        #expect(BradleyTerry.winProbability(ratings[0], over: ratings[1]) > 0.999)
    }

    @Test func zeroWeightsAndNoBattlesGiveEveryoneTheInitialRating() {
        let zeroWeights = battles([(0, 1, .modelA), (1, 2, .tie)], players: 3, weight: 0)
        #expect(BradleyTerry.fitRatings(zeroWeights) == [1000, 1000, 1000])
        #expect(BradleyTerry.fitRatings(PairwiseCounts(playerCount: 4)) == [1000, 1000, 1000, 1000])
        #expect(BradleyTerry.fitRatings(PairwiseCounts(playerCount: 0)).isEmpty)
    }

    /// Two groups that never met: each is centred on 1000 on its own.
    @Test func separatedGroupsAreEachCentredOnTheInitialRating() {
        let counts = battles([(0, 1, .modelA), (0, 1, .modelA), (1, 0, .modelA),
                              (2, 3, .modelB), (3, 2, .tie)], players: 4)
        let ratings = BradleyTerry.fitRatings(counts)
        #expect(abs((ratings[0] + ratings[1]) / 2 - 1000) < 1e-6)
        #expect(abs((ratings[2] + ratings[3]) / 2 - 1000) < 1e-6)
        #expect(abs((ratings[0] - ratings[1]) - 400 * log10(2.0)) < 1e-6)
    }

    /// Scaling every weight leaves the maximum-likelihood answer unchanged; a weight of 2 is the
    /// same as the battle twice.
    @Test func weightsActAsRepeatCounts() {
        let base: [(Int, Int, BattleOutcome)] = [(0, 1, .modelA), (1, 2, .modelB), (2, 0, .tie), (0, 2, .modelA)]
        let doubled = BradleyTerry.fitRatings(battles(base, players: 3, weight: 2))
        let repeated = BradleyTerry.fitRatings(battles(base + base, players: 3))
        let tiny = BradleyTerry.fitRatings(battles(base, players: 3, weight: 1e-30))
        for i in 0..<3 {
            #expect(abs(doubled[i] - repeated[i]) < 1e-6)
            #expect(abs(tiny[i] - repeated[i]) < 1e-6)
        }
    }

    /// RouteLLM's same-tier row holds −ln 10 in the tier's column: label-1 weight u and label-0
    /// weight v put the optimum at σ(−z) = u / (u + v). One A win (u = 2) against two B wins
    /// (v = 4) gives z = ln 2, a rating of 1000 + 400·log10 2.
    @Test func routellmSameTierRowsHaveTheirClosedForm() {
        let counts = battles([(0, 0, .modelA), (0, 0, .modelB), (0, 0, .modelB)], players: 1, rule: .routellmCompatible)
        #expect(counts.selfRowsLabelledOne == [2])
        #expect(counts.selfRowsLabelledZero == [4])
        let ratings = BradleyTerry.fitRatings(counts)
        #expect(abs(ratings[0] - (1000 + 400 * log10(2.0))) < 1e-6)
        let excluded = battles([(0, 0, .modelA)], players: 1)
        #expect(excluded.totalWeight == 0)
    }

    /// The ridged likelihood has one maximiser, so where Newton's method sets out from changes
    /// nothing but the number of steps: from 0, from far off and from near the answer the
    /// ratings agree — also when one player always wins (the ridge holds it) and with large
    /// weights, where steps end in rounding noise.
    @Test(arguments: [1.0, 1e4])
    func theAnswerDoesNotDependOnTheStart(weight: Double) {
        var counts = PairwiseCounts(playerCount: 4)
        counts.add(IndexedBattle(a: 0, b: 1, outcome: .modelA), weight: 3 * weight)
        counts.add(IndexedBattle(a: 1, b: 0, outcome: .modelA), weight: weight)
        counts.add(IndexedBattle(a: 1, b: 2, outcome: .tie), weight: 2 * weight)
        counts.add(IndexedBattle(a: 2, b: 1, outcome: .modelA), weight: weight)
        counts.add(IndexedBattle(a: 3, b: 2, outcome: .modelA), weight: 5 * weight)
        let fromZero = BradleyTerry.fitRatings(counts)
        let elsewhere = [BradleyTerry.fitRatings(counts, start: [5, -3, 12, -20]),
                         BradleyTerry.fitRatings(counts, start: BradleyTerry.fitLogStrengths(counts).map { $0 + 0.01 })]
        for ratings in elsewhere {
            for (found, wanted) in zip(ratings, fromZero) { #expect(abs(found - wanted) < 1e-6) }
        }
        // Player 0 meets only player 1, 3 : 1, so P(0 beats 1) = 3/4 up to the ridge, which
        // the always-winning player 3 (twenty-odd log-strengths up) makes felt at 1e-6.
        #expect(abs((fromZero[0] - fromZero[1]) - 400 * log10(3.0)) < 1e-5)
    }
}
