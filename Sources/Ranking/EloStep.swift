/// The online Elo update: after one battle, each side moves by K times the difference between
/// its score (1 for a win, ½ for either kind of tie, 0 for a loss) and the score its rating
/// predicted, `P(a beats b) = 1 / (1 + 10^((R_b − R_a)/400))` as in `BradleyTerry`. What one
/// side gains the other loses, so the mean rating never moves.
public enum EloStep {
    /// The two ratings after a battle between `a` (model_a) and `b` (model_b).
    public static func apply(ratingA: Double, ratingB: Double, outcome: BattleOutcome, k: Double) -> (a: Double, b: Double) {
        let expected = BradleyTerry.winProbability(ratingA, over: ratingB)
        let score = switch outcome {
        case .modelA: 1.0
        case .modelB: 0.0
        case .tie, .tieBothBad: 0.5
        }
        let change = k * (score - expected)
        return (ratingA + change, ratingB - change)
    }
}
