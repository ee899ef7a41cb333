import Foundation
import Testing
@testable import Ranking

/// Choosing the kernel sharpness by cross-validation on the memory: sharper where the winner
/// depends on the prompt's topic and similar topics disagree, RouteLLM's kernel (or flatter)
/// where the winner is the same everywhere.
@Suite struct SharpnessSelectionTests {
    private static let dimension = 32

    /// Topics in pairs of neighbours (cosine ≈ 0.67 between the two centres of a pair), prompts
    /// scattered around their topic's centre (cosine ≈ 0.9), one battle of strong against weak
    /// per prompt, strong winning with its topic's probability. With `topicDependent` each
    /// topic draws its own probability in [0.3, 0.95], so a query's neighbour topic, which
    /// RouteLLM's kernel still weighs at about half its own, disagrees with it; otherwise
    /// strong wins with 0.65 everywhere.
    private struct Traffic {
        var generator: SeededGenerator
        let centres: [[Float]]
        let strongWins: [Double]

        init(topicDependent: Bool, seed: UInt64) {
            var generator = SeededGenerator(seed: seed)
            var centres: [[Float]] = []
            for _ in 0..<10 {
                let base = Self.unit(Self.gaussian(&generator, scale: 1))
                for _ in 0..<2 {
                    centres.append(Self.unit(zip(base, Self.unit(Self.gaussian(&generator, scale: 1))).map { $0 + 0.7 * $1 }))
                }
            }
            self.centres = centres
            strongWins = centres.indices.map { _ in topicDependent ? Double.random(in: 0.3...0.95, using: &generator) : 0.65 }
            self.generator = generator
        }

        mutating func prompt() -> (topic: Int, embedding: [Float]) {
            let topic = Int.random(in: centres.indices, using: &generator)
            let noise = Self.gaussian(&generator, scale: 0.3 / Float(dimension).squareRoot())
            return (topic, Self.unit(zip(centres[topic], noise).map { $0 + $1 }))
        }

        mutating func memory(prompts: Int) throws -> BattleMemory {
            var memory = BattleMemory(dimension: dimension)
            for _ in 0..<prompts {
                let (topic, embedding) = prompt()
                let strongWon = Double.random(in: 0..<1, using: &generator) < strongWins[topic]
                try memory.append(modelA: "strong", modelB: "weak", outcome: strongWon ? .modelA : .modelB, embedding: embedding)
            }
            return memory
        }

        /// APGR of routing `queries` held-out prompts at sharpness γ, with each model's quality
        /// its topic's expected win share.
        mutating func apgr(of memory: BattleMemory, sharpness: Double, queries: Int) throws -> Double {
            let asked = (0..<queries).map { _ in prompt() }
            let ranker = SimilarityWeightedRanker(memory: memory, tierOfModel: [0, 1], sharpness: sharpness)
            let ratings = try ranker.rank(FloatMatrix(rows: queries, columns: dimension, values: asked.flatMap(\.embedding)))
            return RoutingEvaluation(scores: ratings.map { $0.winRate(ofTier: 0, overTier: 1) },
                                     strongQuality: asked.map { strongWins[$0.topic] },
                                     weakQuality: asked.map { 1 - strongWins[$0.topic] }).apgr
        }

        static func gaussian(_ generator: inout SeededGenerator, scale: Float) -> [Float] {
            (0..<dimension).map { _ in
                // Box–Muller.
                let u = Float.random(in: Float.ulpOfOne..<1, using: &generator)
                let v = Float.random(in: 0..<1, using: &generator)
                return scale * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            }
        }

        static func unit(_ vector: [Float]) -> [Float] {
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / norm }
        }
    }

    @Test func aTopicDependentWinnerGetsASharperKernelThatRoutesBetter() throws {
        var traffic = Traffic(topicDependent: true, seed: 3)
        let memory = try traffic.memory(prompts: 2_000)
        let selection = SharpnessSelection(memory: memory, tierOfModel: [0, 1])
        #expect(selection.chosen > 1, "\(selection.scores)")
        #expect(selection.heldOutPrompts == 1_000)
        // The same held-out queries for both: two copies of the generator's state.
        var other = traffic
        let chosen = try traffic.apgr(of: memory, sharpness: selection.chosen, queries: 2_000)
        let routeLLM = try other.apgr(of: memory, sharpness: 1, queries: 2_000)
        #expect(chosen > routeLLM + 0.01, "APGR \(chosen) at γ \(selection.chosen) against \(routeLLM) at 1")
    }

    /// Sharper kernels fit noise here; the choice stays at 1 or below on every seed (each
    /// candidate may clear the two-standard-error bar by chance, so one seed alone would not
    /// show that the bar holds), and routes no worse (the qualities do not depend on the query,
    /// so every router's APGR is 0.55 up to the calibration's ties: within 0.02).
    @Test(arguments: [4, 5, 6, 7, 8] as [UInt64])
    func aWinnerTheSameEverywhereKeepsRouteLLMsKernelOrAFlatterOne(seed: UInt64) throws {
        var traffic = Traffic(topicDependent: false, seed: seed)
        let memory = try traffic.memory(prompts: 2_000)
        let selection = SharpnessSelection(memory: memory, tierOfModel: [0, 1], seed: seed)
        #expect(selection.chosen <= 1, "\(selection.scores)")
        var other = traffic
        let chosen = try traffic.apgr(of: memory, sharpness: selection.chosen, queries: 2_000)
        let routeLLM = try other.apgr(of: memory, sharpness: 1, queries: 2_000)
        #expect(chosen >= routeLLM - 0.02)
    }

    /// The bar is met by γ = 2 but not by γ = 4, whose mean is higher and whose difference is
    /// noisier: γ = 2 is chosen, since it is clearly better than RouteLLM's kernel and the
    /// evidence for going further is not there. Where no candidate clears the bar γ = 1 stays,
    /// however high the best mean.
    @Test func theBestCandidateThatClearsTheBarIsChosen() {
        func score(_ sharpness: Double, gain: Double, standardError: Double) -> SharpnessSelection.Score {
            .init(sharpness: sharpness, meanLogLikelihood: -0.7 + gain, gainOverRouteLLM: gain, standardError: standardError)
        }
        let routeLLM = score(1, gain: 0, standardError: 0)
        let milder = score(2, gain: 0.0014, standardError: 0.0006)
        let sharper = score(4, gain: 0.0020, standardError: 0.0013)
        #expect(SharpnessSelection.choice(among: [score(0.5, gain: -0.001, standardError: 0.0002), routeLLM, milder, sharper]) == 2)
        #expect(SharpnessSelection.choice(among: [routeLLM, score(2, gain: 0.0014, standardError: 0.0008), sharper]) == 1)
        #expect(SharpnessSelection.choice(among: [routeLLM, milder, score(4, gain: 0.0030, standardError: 0.0013)]) == 4)
        let selection = SharpnessSelection(chosen: 2, scores: [routeLLM, milder, sharper], heldOutPrompts: 1_000, heldOutBattles: 1_000)
        #expect(selection.summary.hasPrefix("γ = 2: γ = 2 +0.0014 ± 0.0006 against γ = 1 (γ = 4 +0.0020 ± 0.0013 fits better"),
                "\(selection.summary)")
    }

    /// No held-out prompt ever reaches the ranker that scores it: every prompt here is a random
    /// direction with two battles of the same random outcome, so a ranker that saw the prompt
    /// itself would find the sharpest kernel perfect, and one that did not finds nothing to learn.
    @Test func aPromptsOwnBattlesNeverScoreIt() throws {
        var generator = SeededGenerator(seed: 6)
        var memory = BattleMemory(dimension: Self.dimension)
        for _ in 0..<600 {
            let embedding = Traffic.unit(Traffic.gaussian(&generator, scale: 1))
            let outcome: BattleOutcome = Bool.random(using: &generator) ? .modelA : .modelB
            for _ in 0..<2 { try memory.append(modelA: "strong", modelB: "weak", outcome: outcome, embedding: embedding) }
        }
        let selection = SharpnessSelection(memory: memory, tierOfModel: [0, 1])
        #expect(selection.heldOutPrompts == 600 && selection.heldOutBattles == 1_200)
        #expect(selection.chosen <= 1, "\(selection.scores)")
    }

    @Test func theSameSeedChoosesTheSameAndTooSmallAMemoryKeepsRouteLLMsKernel() throws {
        var traffic = Traffic(topicDependent: true, seed: 5)
        let memory = try traffic.memory(prompts: 400)
        #expect(SharpnessSelection(memory: memory, tierOfModel: [0, 1], seed: 9)
                == SharpnessSelection(memory: memory, tierOfModel: [0, 1], seed: 9))
        let tiny = try traffic.memory(prompts: 9)
        let kept = SharpnessSelection(memory: tiny, tierOfModel: [0, 1])
        #expect(kept.chosen == 1 && kept.scores.isEmpty)
    }
}
