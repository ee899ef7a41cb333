import Foundation
import Testing
@testable import Ranking

/// A memory holds each distinct prompt once, and the ranker weighs a prompt's battles together:
/// the answers must be those of the per-battle layout, where every battle has its own row.
@Suite struct DistinctPromptTests {
    private static let models = ["a", "b", "c", "d", "e"]
    private static let day = 86_400.0

    /// A seeded direction of four ±1 entries among 16: its unit vector has entries ±½, so every
    /// similarity between two of them is a sum of ±¼ and exact in float, whatever order the
    /// SGEMM sums in. (Over general vectors the product of a per-battle and a per-prompt matrix
    /// may round a prompt's similarity differently, by about 1e-7, which is not the layout's
    /// doing.)
    private func direction(using generator: inout SeededGenerator) -> [Float] {
        var embedding = [Float](repeating: 0, count: 16)
        for position in Array(0..<16).shuffled(using: &generator).prefix(4) {
            embedding[position] = Bool.random(using: &generator) ? 1 : -1
        }
        return embedding
    }

    /// `prompts` seeded random directions. Some prompts get one battle, some several of one
    /// matchup, some battles of many matchups (as judge data has), each at a random time.
    private func battles(prompts: Int, seed: UInt64) -> [(a: String, b: String, outcome: BattleOutcome, embedding: [Float], time: Double)] {
        var generator = SeededGenerator(seed: seed)
        let outcomes: [BattleOutcome] = [.modelA, .modelB, .tie, .tieBothBad]
        var battles: [(a: String, b: String, outcome: BattleOutcome, embedding: [Float], time: Double)] = []
        var seen: Set<[Float]> = []
        for prompt in 0..<prompts {
            var embedding = direction(using: &generator)
            while !seen.insert(embedding).inserted { embedding = direction(using: &generator) }
            let fights = prompt % 3 == 0 ? 1 : Int.random(in: 2...12, using: &generator)
            let oneMatchup = prompt % 3 == 1
            let first = Self.models.shuffled(using: &generator)
            for _ in 0..<fights {
                let pair = oneMatchup ? first : Self.models.shuffled(using: &generator)
                let outcome = oneMatchup ? .modelA : outcomes.randomElement(using: &generator)!
                battles.append((pair[0], pair[1], outcome, embedding, Double(Int.random(in: 0...30, using: &generator)) * Self.day))
            }
        }
        return battles.shuffled(using: &generator)
    }

    private func memory(_ battles: [(a: String, b: String, outcome: BattleOutcome, embedding: [Float], time: Double)],
                        merging: Bool) throws -> BattleMemory {
        var memory = BattleMemory(dimension: 16, mergingRepeatedPrompts: merging)
        for battle in battles {
            try memory.append(modelA: battle.a, modelB: battle.b, outcome: battle.outcome, embedding: battle.embedding, time: battle.time)
        }
        return memory
    }

    @Test func repeatedPromptsShareOneRow() throws {
        let battles = battles(prompts: 60, seed: 3)
        let merged = try memory(battles, merging: true)
        let perBattle = try memory(battles, merging: false)
        #expect(merged.count == battles.count && perBattle.count == battles.count)
        #expect(merged.promptCount == 60)
        #expect(perBattle.promptCount == battles.count)
        #expect(merged.embeddingBytes >= 60 * 16 * 4 && merged.embeddingBytes < perBattle.embeddingBytes)
        // Each battle still finds its own prompt's direction.
        for index in battles.indices {
            #expect(merged.embedding(ofBattle: index).elementsEqual(perBattle.embedding(ofBattle: index)))
        }
        let grouped = merged.groupedByMatchup()
        #expect(grouped.promptCount == 60 && grouped.count == battles.count)
        let kept = merged.subset { $0 % 2 == 0 }
        #expect(kept.count == (battles.count + 1) / 2)
        let keptPrompts: Set<UInt32> = Set(stride(from: 0, to: merged.count, by: 2).map { merged.promptOfBattle[$0] })
        #expect(kept.promptCount == keptPrompts.count)
    }

    /// The same battles weighed per prompt and per battle: a prompt's similarity is computed once
    /// either way, so only the order of summing its weights differs (float sums of at most a
    /// dozen equal weights against their product), and the win rates agree to 1e-9 — with and
    /// without time decay, at RouteLLM's kernel and a sharp one, grouped or not, and in a memory
    /// without repeats, where the two layouts are the same.
    @Test(arguments: [1.0, 8.0])
    func weighingAPromptOnceGivesThePerBattleAnswers(sharpness: Double) throws {
        let repeated = battles(prompts: 60, seed: 5)
        let single = battles(prompts: 90, seed: 7)
        var generator = SeededGenerator(seed: 11)
        let queries = FloatMatrix(rows: 25, columns: 16, values: (0..<25).flatMap { _ in direction(using: &generator) })
        let tierOfModel = [0, 1, 2, 3, 4]
        for battles in [repeated, single] {
            let merged = try memory(battles, merging: true)
            let perBattle = try memory(battles, merging: false)
            for decay in [nil, TimeDecay(halfLifeSeconds: 7 * Self.day, now: 30 * Self.day)] {
                let expected = try SimilarityWeightedRanker(memory: perBattle, tierOfModel: tierOfModel, decay: decay, sharpness: sharpness)
                    .rank(queries)
                for candidate in [merged, merged.groupedByMatchup()] {
                    let answers = try SimilarityWeightedRanker(memory: candidate, tierOfModel: tierOfModel, decay: decay, sharpness: sharpness)
                        .rank(queries)
                    var largest = 0.0
                    for (answer, wanted) in zip(answers, expected) {
                        for strong in 0..<5 {
                            for weak in 0..<5 where weak != strong {
                                largest = max(largest, abs(answer.winRate(ofTier: strong, overTier: weak)
                                                           - wanted.winRate(ofTier: strong, overTier: weak)))
                            }
                        }
                    }
                    #expect(largest <= 1e-9, "largest win-rate difference \(largest)")
                }
            }
        }
    }

    /// The similarities are computed a tile of 4,096 prompts at a time, and each query's largest
    /// similarity gathered over the tiles. Over three tiles and a bit, with each query's nearest
    /// prompt placed in the first, a middle or the last tile, the answers are those of the plain
    /// computation over the whole row (double precision, the formula as written); the
    /// similarities are exact, so what is left is the weights' float rounding.
    @Test(arguments: [1.0, 8.0])
    func theMaximumGatheredOverTilesWeighsTheWholeRow(sharpness: Double) throws {
        var generator = SeededGenerator(seed: 13)
        let prompts = 3 * 4_096 + 100
        var memory = BattleMemory(dimension: 16)
        var embeddings: [[Float]] = []
        for prompt in 0..<prompts {
            // The queries' own directions, placed at these prompts, are their nearest.
            let embedding = direction(using: &generator)
            embeddings.append(embedding)
            let pair = Self.models.shuffled(using: &generator)
            try memory.append(modelA: pair[0], modelB: pair[1], outcome: prompt % 3 == 0 ? .modelB : .modelA, embedding: embedding)
        }
        let nearest = [0, 5_000, 8_191, 8_192, prompts - 1]
        let queries = FloatMatrix(rows: nearest.count, columns: 16, values: nearest.flatMap { embeddings[$0] })
        let tierOfModel = [0, 1, 2, 3, 4]
        let answers = try SimilarityWeightedRanker(memory: memory, tierOfModel: tierOfModel, sharpness: sharpness).rank(queries)
        for (query, prompt) in nearest.enumerated() {
            let q = embeddings[prompt].map { Double($0) / 2 }
            let similarities = (0..<memory.count).map { battle in
                zip(q, memory.embedding(ofBattle: battle)).reduce(0.0) { $0 + $1.0 * Double($1.1) }
            }
            let maximum = similarities.max()!
            #expect(maximum == 1)
            var counts = PairwiseCounts(playerCount: 5)
            for battle in 0..<memory.count {
                counts.add(memory.battle(battle), weight: pow(10, sharpness * (similarities[battle] / maximum - 1)))
            }
            let plain = TierRatings(ratings: BradleyTerry.fitRatings(counts))
            for strong in 0..<5 {
                for weak in 0..<5 where weak != strong {
                    #expect(abs(answers[query].winRate(ofTier: strong, overTier: weak) - plain.winRate(ofTier: strong, overTier: weak)) < 1e-7)
                }
            }
        }
    }
}
