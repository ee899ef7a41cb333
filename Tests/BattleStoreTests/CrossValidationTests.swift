import Foundation
import Embeddings
import Ranking
import Testing
@testable import BattleStore

@Suite struct CrossValidationTests {
    @Test func everyDistinctPromptLandsInExactlyOneFold() {
        let prompts = (0..<23).map { "p\($0 % 20)" }
        let validation = CrossValidation(prompts: prompts, folds: 4, seed: 7)
        let sizes = Dictionary(grouping: Set(prompts), by: { validation.fold(of: $0)! }).mapValues(\.count)
        #expect(sizes == [0: 5, 1: 5, 2: 5, 3: 5])
        #expect(validation.fold(of: "elsewhere") == nil)
        #expect(CrossValidation(prompts: prompts, folds: 4, seed: 7).fold(of: "p3") == validation.fold(of: "p3"))
    }

    /// Twelve prompts with mutually orthogonal embeddings, one strong-versus-weak battle each
    /// (the strong model wins on prompts 0–7), and one battle on a prompt outside the evaluation
    /// set. A query is then dissimilar to every battle but its own, so without its own battle
    /// every battle weighs the same and the score is the plain win share of the training
    /// battles: identical for all queries of a fold. Had a query's own battle leaked into its
    /// router, it would weigh 100 times the others and pull that query's score its own way.
    @Test func aFoldIsScoredWithoutItsOwnBattles() throws {
        let prompts = (0..<12).map { "prompt \($0)" }
        let dimension = 13
        func oneHot(_ index: Int) -> [Float] { (0..<dimension).map { $0 == index ? 1 : 0 } }
        var battles: [LabelledBattle] = []
        var rows: [Float] = []
        for (index, prompt) in prompts.enumerated() {
            battles.append(LabelledBattle(prompt: prompt, modelA: "strong", modelB: "weak", winner: index < 8 ? .modelA : .modelB,
                                        source: "test", foughtAt: BattleTime.date("t")))
            rows += oneHot(index)
        }
        battles.append(LabelledBattle(prompt: "outside", modelA: "weak", modelB: "strong", winner: .modelA, source: "test", foughtAt: BattleTime.date("t")))
        rows += oneHot(12)
        let loaded = LoadedBattles(battles: battles, embeddings: rows, dimension: dimension,
                                   embedder: EmbedderIdentity(name: "one-hot", version: "1"))
        let queries = FloatMatrix(rows: 12, columns: dimension, values: Array(rows.prefix(12 * dimension)))

        let validation = CrossValidation(prompts: prompts, folds: 3, seed: 1)
        let result = try SWScoring.score(prompts: prompts, embeddings: queries, battles: loaded, strong: "strong", weak: "weak",
                                         tierCount: 10, validation: validation)
        #expect(result.folds.map(\.queries) == [4, 4, 4])
        #expect(result.folds.map(\.battles) == [9, 9, 9])
        for fold in 0..<3 {
            let training = (0..<12).filter { validation.fold(of: prompts[$0]) != fold }
            let strongWins = Double(training.count { $0 < 8 })
            let expected = strongWins / Double(training.count + 1)  // + the outside battle, a weak win
            for query in (0..<12) where validation.fold(of: prompts[query]) == fold {
                #expect(abs(result.scores[query] - expected) < 1e-9)
            }
        }

        // The control: with every battle in the router, a query's own battle weighs
        // 10·10^(1/1) = 100 and each other 10·10^0 = 10. On a prompt the strong model won:
        // (100 + 7·10) strong wins against (4·10 + 10) weak ones, P = 170/220; on one it lost,
        // 8·10 against 100 + 3·10 + 10, P = 80/220.
        let leaky = try SWScoring.score(prompts: prompts, embeddings: queries, battles: loaded, strong: "strong", weak: "weak",
                                        tierCount: 10, validation: nil)
        #expect(leaky.scores[0..<8].allSatisfy { abs($0 - 170.0 / 220) < 1e-6 })
        #expect(leaky.scores[8..<12].allSatisfy { abs($0 - 80.0 / 220) < 1e-6 })
    }

    /// Mid-rank quantiles, worked by hand: 0.1 is below the other three (half of itself: 0.5 / 4),
    /// the two 0.3s share ranks 1 and 2 (1 below, plus half of the two: 2 / 4), 0.9 tops them.
    @Test func quantilesGiveTiesTheirMidRank() {
        #expect(SWScoring.quantiles([0.3, 0.1, 0.3, 0.9]) == [0.5, 0.125, 0.5, 0.875])
    }

    /// Pooled by quantile, every fold sends the same share of its queries above any threshold,
    /// however differently its router's win rates are spread; pooled by win rate (the control)
    /// the folds' routers, each missing a third of the battles, score on scales of their own.
    @Test func foldsPooledByQuantileSendTheSameShareOfEach() throws {
        let prompts = (0..<12).map { "prompt \($0)" }
        let dimension = 8
        var battles: [LabelledBattle] = []
        var rows: [Float] = []
        for (index, prompt) in prompts.enumerated() {
            battles.append(LabelledBattle(prompt: prompt, modelA: "strong", modelB: "weak", winner: index % 3 == 0 ? .modelB : .modelA,
                                        source: "test", foughtAt: BattleTime.date("t")))
            for component in 0..<dimension { rows.append(Float(sin(Double(index * 7 + component * 13 + 1)))) }
        }
        let loaded = LoadedBattles(battles: battles, embeddings: rows, dimension: dimension,
                                   embedder: EmbedderIdentity(name: "sines", version: "1"))
        let queries = FloatMatrix(rows: 12, columns: dimension, values: rows)
        let validation = CrossValidation(prompts: prompts, folds: 3, seed: 1)
        let foldOf = prompts.map { validation.fold(of: $0)! }
        func sharesSent(_ pooling: SWScoring.FoldPooling) throws -> [[Int]] {
            let scores = try SWScoring.score(prompts: prompts, embeddings: queries, battles: loaded, strong: "strong", weak: "weak",
                                             tierCount: 10, validation: validation, pooling: pooling).scores
            return [0.2, 0.4, 0.6, 0.8].map { threshold in
                (0..<3).map { fold in (0..<12).count { foldOf[$0] == fold && scores[$0] > threshold } }
            }
        }
        #expect(try sharesSent(.quantile).allSatisfy { Set($0).count == 1 })
        #expect(try sharesSent(.winRate).contains { Set($0).count > 1 })
    }

    @Test func aModelMissingFromTheMemoryIsNamed() throws {
        let loaded = LoadedBattles(battles: [LabelledBattle(prompt: "p", modelA: "a", modelB: "b", winner: .tie, source: "s", foughtAt: BattleTime.date("t"))],
                                   embeddings: [1, 0], dimension: 2, embedder: EmbedderIdentity(name: "e", version: "1"))
        #expect(throws: UnknownModel(model: "c", known: ["a", "b"])) {
            try SWScoring.score(prompts: ["p"], embeddings: FloatMatrix(rows: 1, columns: 2, values: [1, 0]), battles: loaded,
                                strong: "a", weak: "c", tierCount: 10, validation: nil)
        }
    }
}

@Suite struct RouterFiguresTests {
    @Test func theRandomRouterRecoversTheGapInProportion() {
        let random = RouterFigures.randomExpectation(strongOnly: 0.8, weakOnly: 0.6)
        #expect(abs(random.apgr - 0.55) < 1e-12 && random.apgrTrapezoid == 0.5)
        #expect(random.cpt50 == 0.5 && random.cpt80 == 0.8)
        #expect(random.pgr == [0.2, 0.5, 0.8])
        #expect(random.curve == [QualityPoint(strongShare: 0, quality: 0.6), QualityPoint(strongShare: 1, quality: 0.8)])
        // Mixing the two at random: the line from 0.6 to 0.8, whose mean is 0.7.
        #expect(abs(random.aiq - 0.7) < 1e-12)
        let flat = RouterFigures.randomExpectation(strongOnly: 0.7, weakOnly: 0.7)
        #expect(flat.cpt50 == nil && flat.apgr == 0)
    }
}
