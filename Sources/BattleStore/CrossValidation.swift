import Ranking

/// K-fold cross-validation for an evaluation set that is also the source of the battles: the
/// distinct prompts are shuffled with a seed and dealt into K folds, and the router that scores
/// a fold's queries may learn only from battles whose prompt is not in that fold. Battles of
/// prompts outside the evaluation set (another source) train every fold.
///
/// Folds are made of prompts, not rows, so a prompt that occurs twice (MMLU has 105 such) can
/// never be scored by a router that saw its own battles.
public struct CrossValidation: Sendable {
    public let folds: Int
    private let foldOfPrompt: [String: Int]

    public init(prompts: [String], folds: Int, seed: UInt64) {
        precondition(folds >= 2, "cross-validation needs at least two folds")
        var seen = Set<String>()
        let distinct = prompts.filter { seen.insert($0).inserted }
        var generator = SeededGenerator(seed: seed)
        let shuffled = distinct.shuffled(using: &generator)
        var foldOfPrompt: [String: Int] = [:]
        for (position, prompt) in shuffled.enumerated() { foldOfPrompt[prompt] = position % folds }
        self.folds = folds
        self.foldOfPrompt = foldOfPrompt
    }

    /// The fold that holds the prompt out; nil for a prompt outside the evaluation set.
    public func fold(of prompt: String) -> Int? {
        foldOfPrompt[prompt]
    }

    /// Whether a battle about `prompt` may train the router that scores `fold`.
    public func trains(_ fold: Int, battlePrompt prompt: String) -> Bool {
        foldOfPrompt[prompt] != fold
    }
}
