import Foundation

/// The kernel sharpness γ chosen for a memory by cross-validation on the memory itself, never on
/// the queries it will route.
///
/// The memory's distinct prompts are sampled
/// (at most `maximumPrompts`) and dealt into folds. Each fold's prompts are routed by a ranker
/// over every other battle of the memory, under every candidate γ from one similarity product,
/// and scored by the log-likelihood of their own battles' outcomes under the per-query
/// Bradley–Terry fit: log P(winner beats loser), half of each side's for a tie. The likelihood
/// judges the whole fit — every model pair of every battle, not one routing pair — so it carries
/// to any pair the memory routes, and it needs no labels beyond the battles.
///
/// RouteLLM's γ = 1 stays unless another candidate's held-out log-likelihood is higher by more
/// than twice the standard error of the per-prompt difference: on a memory whose winners do not
/// depend on the prompt every kernel fits about equally, and the choice must not follow noise.
/// Of the candidates that clear that bar, the one with the highest likelihood is chosen.
public struct SharpnessSelection: Sendable, Equatable {
    /// A candidate γ and how well it predicted the held-out battles.
    public struct Score: Sendable, Equatable {
        public let sharpness: Double
        /// Mean over held-out prompts of the summed log-likelihood of the prompt's battles.
        public let meanLogLikelihood: Double
        /// Mean per-prompt difference from γ = 1, and its standard error.
        public let gainOverRouteLLM: Double
        public let standardError: Double

        public init(sharpness: Double, meanLogLikelihood: Double, gainOverRouteLLM: Double, standardError: Double) {
            self.sharpness = sharpness
            self.meanLogLikelihood = meanLogLikelihood
            self.gainOverRouteLLM = gainOverRouteLLM
            self.standardError = standardError
        }

        var isClearlyBetterThanRouteLLM: Bool { gainOverRouteLLM > 2 * standardError }

        var gainText: String {
            "γ = \(KernelSharpness.fixed(sharpness)) " + String(format: "%+.4f ± %.4f", gainOverRouteLLM, standardError)
        }
    }

    public static let candidates: [Double] = [0, 0.5, 1, 2, 4, 8, 16, 32, 64]
    public static let defaultFolds = 5
    public static let defaultMaximumPrompts = 1_000

    public let chosen: Double
    public let scores: [Score]
    public let heldOutPrompts: Int
    public let heldOutBattles: Int

    /// Chooses γ for `memory` routed with these tiers, same-tier rule and decay. Deterministic
    /// for a seed. A memory too small to hold out prompts from keeps γ = 1 (no scores).
    public init(memory: BattleMemory, tierOfModel: [Int], sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil,
                folds: Int = defaultFolds, maximumPrompts: Int = defaultMaximumPrompts, seed: UInt64 = 1,
                candidates: [Double] = candidates) {
        precondition(folds >= 2 && maximumPrompts >= folds, "cross-validation needs at least two folds of one prompt")
        precondition(candidates.contains(1), "RouteLLM's kernel is always a candidate")
        var battlesOfPrompt = [[Int]](repeating: [], count: memory.promptCount)
        for battle in 0..<memory.count { battlesOfPrompt[Int(memory.promptOfBattle[battle])].append(battle) }
        var generator = SeededGenerator(seed: seed)
        let sample = Array(battlesOfPrompt.indices.shuffled(using: &generator).prefix(maximumPrompts))
        guard sample.count >= 2 * folds else {
            self.init(chosen: 1, scores: [], heldOutPrompts: 0, heldOutBattles: 0)
            return
        }
        // logLikelihoods[candidate][held-out prompt]
        var logLikelihoods = [[Double]](repeating: [], count: candidates.count)
        let workspace = RankingWorkspace()
        for fold in 0..<folds {
            let heldOut = stride(from: fold, to: sample.count, by: folds).map { sample[$0] }
            let heldOutSet = Set(heldOut)
            let training = memory.subset { !heldOutSet.contains(Int(memory.promptOfBattle[$0])) }.groupedByMatchup()
            let ranker = SimilarityWeightedRanker(memory: training, tierOfModel: tierOfModel, sameTierRule: sameTierRule, decay: decay)
            var queries = [Float]()
            queries.reserveCapacity(heldOut.count * memory.dimension)
            for prompt in heldOut { queries += memory.promptEmbedding(prompt) }
            // Rows of the memory are unit length, so ranking cannot refuse them.
            let ratings = try! ranker.rank(FloatMatrix(rows: heldOut.count, columns: memory.dimension, values: queries),
                                           sharpnesses: candidates, workspace: workspace)
            for (candidate, perQuery) in ratings.enumerated() {
                for (query, prompt) in heldOut.enumerated() {
                    logLikelihoods[candidate].append(battlesOfPrompt[prompt].reduce(0) { total, battle in
                        total + Self.logLikelihood(of: memory.battle(battle), given: perQuery[query], tierOfModel: tierOfModel)
                    })
                }
            }
        }

        let routeLLM = logLikelihoods[candidates.firstIndex(of: 1)!]
        let scores = zip(candidates, logLikelihoods).map { sharpness, values in
            let differences = zip(values, routeLLM).map { $0 - $1 }
            let gain = mean(differences)
            let variance = differences.reduce(0) { $0 + ($1 - gain) * ($1 - gain) } / Double(max(differences.count - 1, 1))
            return Score(sharpness: sharpness, meanLogLikelihood: mean(values), gainOverRouteLLM: gain,
                         standardError: (variance / Double(differences.count)).squareRoot())
        }
        self.init(chosen: Self.choice(among: scores), scores: scores, heldOutPrompts: sample.count,
                  heldOutBattles: sample.reduce(0) { $0 + battlesOfPrompt[$1].count })
    }

    /// A choice as it was made before (read back from where it was stored).
    public init(chosen: Double, scores: [Score], heldOutPrompts: Int, heldOutBattles: Int) {
        self.chosen = chosen
        self.scores = scores
        self.heldOutPrompts = heldOutPrompts
        self.heldOutBattles = heldOutBattles
    }

    /// The candidate with the highest held-out likelihood among those better than γ = 1 by more
    /// than two standard errors; γ = 1 when none is. A sharper candidate whose mean is higher but
    /// whose difference is noisier does not hide a milder one that is clearly better.
    static func choice(among scores: [Score]) -> Double {
        scores.filter(\.isClearlyBetterThanRouteLLM).max { $0.meanLogLikelihood < $1.meanLogLikelihood }?.sharpness ?? 1
    }

    /// One line for a log or a summary: the choice, and what it rests on.
    public var summary: String {
        guard let best = scores.max(by: { $0.meanLogLikelihood < $1.meanLogLikelihood }) else {
            return "γ = \(KernelSharpness.fixed(chosen)): too few prompts to hold out, RouteLLM's kernel"
        }
        let heldOut = "held-out log-likelihood per prompt over \(heldOutPrompts) prompts (\(heldOutBattles) battles)"
        guard let chosenScore = scores.first(where: { $0.sharpness == chosen && $0.isClearlyBetterThanRouteLLM }) else {
            return "γ = \(KernelSharpness.fixed(chosen)): no γ beats 1 by two standard errors (best \(best.gainText)), \(heldOut)"
        }
        let fitsBetter = best == chosenScore ? "" : " (\(best.gainText) fits better, not by two standard errors)"
        return "γ = \(KernelSharpness.fixed(chosen)): \(chosenScore.gainText) against γ = 1\(fitsBetter), \(heldOut)"
    }

    /// log P(outcome) under the query's tier ratings; a tie counts half a win each way, as in
    /// the fit. Win rates are kept off 0 and 1 so one confident miss costs much, not everything.
    private static func logLikelihood(of battle: IndexedBattle, given ratings: TierRatings, tierOfModel: [Int]) -> Double {
        let winRate = min(max(ratings.winRate(ofTier: tierOfModel[battle.a], overTier: tierOfModel[battle.b]), 1e-9), 1 - 1e-9)
        return switch battle.outcome {
        case .modelA: log(winRate)
        case .modelB: log(1 - winRate)
        case .tie, .tieBothBad: 0.5 * (log(winRate) + log(1 - winRate))
        }
    }
}
