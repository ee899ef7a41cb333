import Foundation
import Testing
@testable import Ranking

@Suite struct ThresholdCalibrationTests {
    /// NumPy's linear quantile of [0.1 … 0.5] at 0.6 is 0.34, which sends exactly 2 of 5 strong.
    @Test func thresholdSendsTheChosenShare() {
        let rates = [0.3, 0.1, 0.5, 0.2, 0.4]
        let threshold = ThresholdCalibration.threshold(winRates: rates, strongShare: 0.4)
        #expect(abs(threshold - 0.34) < 1e-12)
        #expect(ThresholdCalibration.strongShare(winRates: rates, threshold: threshold) == 0.4)
        #expect(ThresholdCalibration.strongShare(winRates: rates, threshold: 0.5) == 0.2)
        #expect(ThresholdCalibration.threshold(winRates: rates, strongShare: 1) == 0.1)
    }
}

@Suite struct RoutingRuleTests {
    /// Tiers 0 (strong), 1, 2 with ratings 1200, 1100, 900: the reference beats tier 1 with
    /// P = 1/(1+10^-0.25) ≈ 0.640 and tier 2 with P = 1/(1+10^-0.75) ≈ 0.849.
    private let ratings = TierRatings(ratings: [1200, 1100, 900])

    @Test func picksTheCheapestCandidateTheReferenceDoesNotClearlyBeat() {
        let candidates = [2, 1, 0]  // cheapest first, reference last
        #expect(RoutingRule(candidateTiers: candidates, threshold: 0.9).choose(ratings).candidate == 0)
        #expect(RoutingRule(candidateTiers: candidates, threshold: 0.7).choose(ratings).candidate == 1)
        #expect(RoutingRule(candidateTiers: candidates, threshold: 0.6).choose(ratings).candidate == 2)
        let rates = RoutingRule(candidateTiers: candidates, threshold: 0.5).choose(ratings).referenceWinRates
        #expect(abs(rates[0] - 1 / (1 + pow10(-0.75))) < 1e-12)
        #expect(abs(rates[1] - 1 / (1 + pow10(-0.25))) < 1e-12)
        #expect(rates[2] == 0.5)
    }

    @Test func twoCandidatesFollowRouteLLMsRule() {
        let rule = RoutingRule(candidateTiers: [2, 0], threshold: 0.849)
        #expect(rule.choose(ratings).candidate == 1)  // P ≈ 0.8490 ≥ 0.849: strong
        #expect(RoutingRule(candidateTiers: [2, 0], threshold: 0.85).choose(ratings).candidate == 0)
    }

    /// The reference answers up to the lower of its two win rates, ≈ 0.640 (over tier 1), not
    /// up to ≈ 0.849 (over the cheapest); with no cheaper candidate it always answers.
    @Test func theReferenceAnswersUpToItsLowestWinRateOverTheCheaperCandidates() {
        let rule = RoutingRule(candidateTiers: [2, 1, 0], threshold: 0.5)
        let upTo = rule.strongUpTo(ratings)
        #expect(abs(upTo - 1 / (1 + pow10(-0.25))) < 1e-12)
        #expect(RoutingRule(candidateTiers: [2, 1, 0], threshold: upTo).choose(ratings).candidate == 2)
        #expect(RoutingRule(candidateTiers: [2, 1, 0], threshold: upTo + 1e-9).choose(ratings).candidate == 1)
        #expect(RoutingRule(candidateTiers: [0], threshold: 0.5).strongUpTo(ratings) == 1)
    }

    private func pow10(_ x: Double) -> Double { Foundation.pow(10, x) }
}

@Suite struct RoutingEvaluationTests {
    /// Four questions: the strong model is right on 0, 1, 2; the weak one on 2 and 3.
    /// Strong-only 0.75, weak-only 0.5, gap 0.25.
    private let strong = [1.0, 1, 1, 0]
    private let weak = [0.0, 0, 1, 1]

    @Test func aPerfectRankingRecoversTheGapFastest() {
        let evaluation = RoutingEvaluation(scores: [0.9, 0.8, 0.2, 0.1], strongQuality: strong, weakQuality: weak)
        #expect(evaluation.strongOnlyQuality == 0.75 && evaluation.weakOnlyQuality == 0.5)
        let curve = evaluation.curve
        #expect(curve.map(\.strongShare) == [0, 0.25, 0.5, 0.75, 1])
        #expect(curve.map(\.quality) == [0.5, 0.75, 1.0, 1.0, 0.75])
        // PGR 1.0 is already reached with one strong call in four.
        #expect(evaluation.costToReach(pgr: 0.5) == 0.25)
        #expect(evaluation.costToReach(pgr: 2.0) == 0.5)
        #expect(evaluation.costToReach(pgr: 2.1) == nil)
    }

    /// A curve that dips: CPT must find the first share that reaches the target, not assume
    /// the curve rises.
    @Test func costToReachSearchesANonMonotoneCurve() {
        let evaluation = RoutingEvaluation(scores: [0.9, 0.8, 0.2, 0.1], strongQuality: [1, 0, 1, 1], weakQuality: [0, 1, 0, 1])
        // qualities: share 0 → 0.5, 0.25 → 0.75, 0.5 → 0.5, 0.75 → 0.75, 1 → 0.75; gap 0.25
        #expect(evaluation.costToReach(pgr: 1.0) == 0.25)
    }

    @Test func tiedScoresCannotBeSplit() {
        let evaluation = RoutingEvaluation(scores: [0.5, 0.5, 0.5, 0.5], strongQuality: strong, weakQuality: weak)
        #expect(evaluation.curve.map(\.strongShare) == [0, 1])
        #expect(evaluation.costToReach(pgr: 0.5) == 1)
    }

    /// At 50 % the threshold is the median score 0.5: questions 1 and 3 go strong, quality
    /// (0 + 1 + 1 + 0) / 4 = 0.5, PGR 0. At 0 % RouteLLM's rule still sends the top score
    /// (question 3, where only the weak model is right) strong: PGR −1. The two APGR forms
    /// differ by 0.05 × (PGR at 0 % − PGR at 100 %).
    @Test func apgrFollowsBothDefinitions() {
        let evaluation = RoutingEvaluation(scores: [0.1, 0.8, 0.2, 0.9], strongQuality: strong, weakQuality: weak)
        #expect(abs(evaluation.pgr(atStrongShare: 0.5)) < 1e-12)
        #expect(abs(evaluation.pgr(atStrongShare: 0) - -1) < 1e-12)
        #expect(abs(evaluation.pgr(atStrongShare: 1) - 1) < 1e-12)
        #expect(abs((evaluation.apgrTrapezoid - evaluation.apgr) - 0.05 * (-1 - 1)) < 1e-12)
    }
}
