import Testing
@testable import Ranking

@Suite struct EloStepTests {
    /// Equal ratings predict ½; a win scores 1, so each side moves by K · ½.
    @Test func aWinBetweenEqualRatingsMovesEachSideByHalfOfK() {
        let after = EloStep.apply(ratingA: 1000, ratingB: 1000, outcome: .modelA, k: 4)
        #expect(after.a == 1002)
        #expect(after.b == 998)
        let reversed = EloStep.apply(ratingA: 1000, ratingB: 1000, outcome: .modelB, k: 4)
        #expect(reversed.a == 998)
        #expect(reversed.b == 1002)
    }

    @Test func aTieBetweenEqualRatingsChangesNothing() {
        for outcome in [BattleOutcome.tie, .tieBothBad] {
            let after = EloStep.apply(ratingA: 1200, ratingB: 1200, outcome: outcome, k: 32)
            #expect(after.a == 1200 && after.b == 1200)
        }
    }

    /// 400 points apart the favourite is expected to score 10/11, so a tie costs it
    /// K · (10/11 − ½) = 16 · 9/22 with K = 16, and its win gains only K/11.
    @Test func theFavouriteLosesByATieAndGainsLittleByAWin() {
        let tie = EloStep.apply(ratingA: 1400, ratingB: 1000, outcome: .tie, k: 16)
        #expect(abs(tie.a - (1400 - 16 * 9.0 / 22)) < 1e-9)
        #expect(abs(tie.b - (1000 + 16 * 9.0 / 22)) < 1e-9)
        let win = EloStep.apply(ratingA: 1400, ratingB: 1000, outcome: .modelA, k: 16)
        #expect(abs(win.a - (1400 + 16.0 / 11)) < 1e-9)
    }
}
