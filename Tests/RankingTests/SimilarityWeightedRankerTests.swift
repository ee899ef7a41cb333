import Foundation
import Testing
@testable import Ranking

@Suite struct SimilarityWeightedRankerTests {
    /// Two battles between "strong" (tier 0) and "weak" (tier 1): on prompt e1 strong won, on
    /// the orthogonal prompt e2 weak won. A query along e1 has similarities (1, 0), weights
    /// 10·10^1 = 100 and 10·10^0 = 10: strong leads 200 : 20, a gap of 400·log10(10) = 400
    /// points, win rate 1/(1 + 10^-1).
    private func twoPromptMemory() throws -> BattleMemory {
        var memory = BattleMemory(dimension: 3)
        try memory.append(modelA: "strong", modelB: "weak", outcome: .modelA, embedding: [1, 0, 0])
        try memory.append(modelA: "weak", modelB: "strong", outcome: .modelA, embedding: [0, 2, 0])
        return memory
    }

    @Test func aQueryLeansOnTheBattlesMostLikeIt() throws {
        let ranker = SimilarityWeightedRanker(memory: try twoPromptMemory(), tierOfModel: [0, 1])
        let ratings = try ranker.rank(FloatMatrix(rows: [[3, 0, 0], [0, 1, 0]], columns: 3))
        #expect(abs(ratings[0].winRate(ofTier: 0, overTier: 1) - 1 / (1 + 0.1)) < 1e-6)
        #expect(abs(ratings[1].winRate(ofTier: 0, overTier: 1) - 1 / (1 + 10)) < 1e-6)
        #expect(abs((ratings[0].ratings[0] - ratings[0].ratings[1]) - 400) < 1e-4)
    }

    /// With sharpness γ the nearest battle weighs 10^γ times the orthogonal one, so on the two
    /// prompts P(strong) = 1 / (1 + 10^−γ) along e1 and 1 / (1 + 10^γ) along e2 — for every γ up
    /// to 64, where the unscaled weights (10 · 10^64) would overflow a float.
    @Test(arguments: [0.0, 0.5, 1, 2, 8, 30, 64])
    func theSharpnessSetsHowMuchTheNearestBattleOutweighsTheRest(sharpness: Double) throws {
        let ranker = SimilarityWeightedRanker(memory: try twoPromptMemory(), tierOfModel: [0, 1], sharpness: sharpness)
        let ratings = try ranker.rank(FloatMatrix(rows: [[3, 0, 0], [0, 1, 0]], columns: 3))
        let along = 1 / (1 + pow(10, -sharpness))
        #expect(abs(ratings[0].winRate(ofTier: 0, overTier: 1) - along) < 1e-6)
        #expect(abs(ratings[1].winRate(ofTier: 0, overTier: 1) - (1 - along)) < 1e-6)
        #expect(ratings.allSatisfy { $0.ratings.allSatisfy(\.isFinite) })
    }

    /// Far battles shrink towards nothing but never turn into garbage: a query whose largest
    /// similarity is tiny, at the sharpest kernel, still weighs its nearest battle most.
    @Test func aBarelySimilarQueryAtTheSharpestKernelKeepsItsNearestBattle() throws {
        let ranker = SimilarityWeightedRanker(memory: try twoPromptMemory(), tierOfModel: [0, 1], sharpness: 64)
        // Similarities 0.001 and −1: the second battle's weight 10^(64 · (−1000 − 1)) is zero.
        let ratings = try ranker.rank(FloatMatrix(rows: [[0.001, -1, 0]], columns: 3))
        #expect(ratings[0].winRate(ofTier: 0, overTier: 1) > 1 - 1e-6)
    }

    /// A query with no positive similarity to any battle gets the unweighted fit (1 : 1 here).
    @Test func aQueryUnlikeEveryBattleGetsTheUnweightedFit() throws {
        let ranker = SimilarityWeightedRanker(memory: try twoPromptMemory(), tierOfModel: [0, 1])
        let ratings = try ranker.rank(FloatMatrix(rows: [[-1, -1, 0], [0, 0, 1]], columns: 3))
        for query in ratings {
            #expect(abs(query.winRate(ofTier: 0, overTier: 1) - 0.5) < 1e-9)
        }
    }

    @Test func anEmptyMemoryRatesEveryTierEqually() throws {
        let ranker = SimilarityWeightedRanker(memory: BattleMemory(dimension: 2), tierOfModel: [0, 1])
        let ratings = try ranker.rank(FloatMatrix(rows: [[1, 0]], columns: 2))
        #expect(ratings == [TierRatings(ratings: [1000, 1000])])
    }

    @Test func badQueriesAreRefusedNamingTheRow() throws {
        let ranker = SimilarityWeightedRanker(memory: try twoPromptMemory(), tierOfModel: [0, 1])
        #expect(throws: EmbeddingRowError(row: 1, reason: .zeroVector)) {
            try ranker.rank(FloatMatrix(rows: [[1, 0, 0], [0, 0, 0]], columns: 3))
        }
        #expect(throws: EmbeddingRowError(row: 0, reason: .notFinite)) {
            try ranker.rank(FloatMatrix(rows: [[.nan, 0, 0]], columns: 3))
        }
        #expect(throws: EmbeddingRowError(row: 0, reason: .dimensionMismatch(expected: 3, actual: 2))) {
            try ranker.rank(FloatMatrix(rows: [[1, 0]], columns: 2))
        }
    }

    @Test func theMemoryRefusesUnusableBattles() throws {
        var memory = BattleMemory(dimension: 2)
        #expect(throws: BattleMemoryError.sameModel("m")) {
            try memory.append(modelA: "m", modelB: "m", outcome: .tie, embedding: [1, 0])
        }
        #expect(throws: BattleMemoryError.badEmbedding(.dimensionMismatch(expected: 2, actual: 3))) {
            try memory.append(modelA: "a", modelB: "b", outcome: .tie, embedding: [1, 0, 0])
        }
        #expect(memory.count == 0 && memory.models.isEmpty)
    }

    /// Ranking a batch gives each query what ranking it alone gives, whatever the batch size
    /// (the vectorised weights and the scalar tail must agree). SGEMM rounds a one-row product
    /// differently from a five-row one, so similarities agree to float precision, ratings to
    /// well under a thousandth of a point.
    @Test func batchedAndSingleQueriesAgree() throws {
        var generator = SeededGenerator(seed: 3)
        var memory = BattleMemory(dimension: 8)
        let models = ["a", "b", "c", "d"]
        for _ in 0..<203 {
            let pair = models.shuffled(using: &generator).prefix(2)
            try memory.append(modelA: pair.first!, modelB: pair.last!, outcome: BattleOutcome.allCases.randomElement(using: &generator)!,
                              embedding: (0..<8).map { _ in Float.random(in: -1...1, using: &generator) })
        }
        let ranker = SimilarityWeightedRanker(memory: memory, tierOfModel: [0, 1, 1, 2])
        let queries = FloatMatrix(rows: 5, columns: 8, values: (0..<40).map { _ in Float.random(in: -1...1, using: &generator) })
        let batched = try ranker.rank(queries)
        for row in 0..<5 {
            let alone = try ranker.rank(FloatMatrix(rows: 1, columns: 8, values: Array(queries.row(row))))[0]
            for tier in 0..<3 {
                #expect(abs(alone.ratings[tier] - batched[row].ratings[tier]) < 1e-4)
            }
        }
    }

    /// Relative error within a few float roundings, however many octaves the argument spans, for
    /// similarities within a factor 2 of the largest (where s − max s is exact); about 1e-7 per
    /// octave of argument further out; past 126 octaves below the nearest battle, at most 2^-125.
    @Test func vectorisedWeightsMatchTheFormula() {
        for sharpness: Float in [1, 8, 64] {
            for maximum: Float in [0.01, 0.05, 0.3, 1] {
                for start in stride(from: Float(-1), to: maximum, by: 0.125) {
                    let lanes = SIMD16<Float>((0..<16).map { min(maximum, start + Float($0) / 128) })
                    let octavesPerUnit = Double(sharpness) * log2(10.0) / Double(maximum)
                    let fast = similarityWeights(lanes, maximum: maximum, octavesPerUnit: Float(octavesPerUnit),
                                                 octavesPerUnitRemainder: Float(octavesPerUnit - Double(Float(octavesPerUnit))))
                    for lane in 0..<16 {
                        let exponent = Double(sharpness) * (Double(lanes[lane]) / Double(maximum) - 1)
                        let exact = pow(10, exponent)
                        if exponent * log2(10) < -126 {
                            #expect(fast[lane] > 0 && Double(fast[lane]) <= pow(2, -125))
                        } else {
                            let near = lanes[lane] >= maximum / 2
                            let tolerance = near ? 3e-7 : 2e-7 * (1 + abs(exponent * log2(10)))
                            #expect(abs(Double(fast[lane]) - exact) <= tolerance * exact, "γ \(sharpness) max \(maximum) s \(lanes[lane])")
                        }
                    }
                }
            }
        }
    }
}

@Suite struct GroupedMemoryTests {
    /// Grouping battles by matchup reorders rows but not the answer.
    @Test func groupingByMatchupKeepsEveryRating() throws {
        var generator = SeededGenerator(seed: 11)
        var memory = BattleMemory(dimension: 16)
        let models = ["a", "b", "c", "d", "e"]
        for _ in 0..<3_001 {
            let pair = models.shuffled(using: &generator).prefix(2)
            try memory.append(modelA: pair.first!, modelB: pair.last!, outcome: BattleOutcome.allCases.randomElement(using: &generator)!,
                              embedding: (0..<16).map { _ in Float.random(in: -1...1, using: &generator) })
        }
        let grouped = memory.groupedByMatchup()
        #expect(grouped.count == memory.count && grouped.models == memory.models)
        #expect(zip(grouped.modelA, grouped.modelB).map { [$0, $1] }.isSorted())
        let tiers = [0, 1, 1, 2, 2]
        let queries = FloatMatrix(rows: 7, columns: 16, values: (0..<112).map { _ in Float.random(in: -1...1, using: &generator) })
        for rule in SameTierRule.allCases {
            let plain = try SimilarityWeightedRanker(memory: memory, tierOfModel: tiers, sameTierRule: rule).rank(queries)
            let fast = try SimilarityWeightedRanker(memory: grouped, tierOfModel: tiers, sameTierRule: rule).rank(queries)
            for (a, b) in zip(plain, fast) {
                for tier in 0..<3 { #expect(abs(a.ratings[tier] - b.ratings[tier]) < 1e-4) }
            }
        }
    }
}

private extension Array where Element == [UInt16] {
    func isSorted() -> Bool {
        zip(self, dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) || $0 == $1 }
    }
}

@Suite struct TimeDecayTests {
    private let day = 86_400.0

    @Test func halvesPerHalfLifeAndSparesUnknownTimes() {
        let decay = TimeDecay(halfLifeSeconds: day, now: 10 * day)
        #expect(decay.factor(battleTime: 9 * day) == 0.5)
        #expect(decay.factor(battleTime: 8 * day) == 0.25)
        #expect(decay.factor(battleTime: .nan) == 1)
        #expect(decay.factor(battleTime: 11 * day) == 1)
    }

    /// Two battles on the same prompt, strong winning ten days ago and weak winning now: without
    /// decay they cancel (0.5); with a one-day half-life the old one weighs 2^-10, so
    /// P(strong) = 2^-10 / (1 + 2^-10) — whatever order grouping puts the battles in.
    @Test func oldBattlesFadeFromTheFit() throws {
        var memory = BattleMemory(dimension: 2)
        try memory.append(modelA: "weak", modelB: "strong", outcome: .modelA, embedding: [1, 0], time: 10 * day)
        try memory.append(modelA: "strong", modelB: "weak", outcome: .modelA, embedding: [1, 0], time: 0)
        let query = FloatMatrix(rows: [[1, 0]], columns: 2)
        let plain = try SimilarityWeightedRanker(memory: memory, tierOfModel: [1, 0]).rank(query)[0]
        #expect(abs(plain.winRate(ofTier: 0, overTier: 1) - 0.5) < 1e-9)
        let decay = TimeDecay(halfLifeSeconds: day, now: 10 * day)
        let old = 1.0 / 1_024
        let expected = old / (1 + old)
        for candidate in [memory, memory.groupedByMatchup()] {
            let decayed = try SimilarityWeightedRanker(memory: candidate, tierOfModel: [1, 0], decay: decay).rank(query)[0]
            #expect(abs(decayed.winRate(ofTier: 0, overTier: 1) - expected) < 1e-7)
        }
    }
}
