/// Sufficient statistics of a weighted Bradley–Terry fit: how much weight of "i beat j" each
/// ordered pair carries.
///
/// RouteLLM's logistic regression counts every battle twice: a win is two wins for the winner,
/// a tie (`tie` or `tie (bothbad)`) is one win each way. Its likelihood depends on the battles
/// only through these sums, so a fit over 100,000 battles reduces to a few dozen numbers.
public struct PairwiseCounts: Sendable, Equatable {
    public let playerCount: Int
    /// `wins[i * playerCount + j]`: weight of rows in which i beat j.
    public private(set) var wins: [Double]
    /// RouteLLM's same-player rows (see `SameTierRule.routellmCompatible`): the design matrix
    /// holds only −ln 10 in the player's column. `selfRowsLabelledOne[t]` is their weight with
    /// label 1, `selfRowsLabelledZero[t]` with label 0.
    public private(set) var selfRowsLabelledOne: [Double]
    public private(set) var selfRowsLabelledZero: [Double]

    public init(playerCount: Int) {
        self.playerCount = playerCount
        wins = [Double](repeating: 0, count: playerCount * playerCount)
        selfRowsLabelledOne = [Double](repeating: 0, count: playerCount)
        selfRowsLabelledZero = [Double](repeating: 0, count: playerCount)
    }

    public subscript(winner: Int, loser: Int) -> Double {
        wins[winner * playerCount + loser]
    }

    /// Adds one battle with the given weight, counted the way RouteLLM counts it.
    /// A battle of a player against itself is dropped unless `sameTierRule` is
    /// `.routellmCompatible`.
    public mutating func add(_ battle: IndexedBattle, weight: Double = 1, sameTierRule: SameTierRule = .exclude) {
        let (a, b) = (battle.a, battle.b)
        if a == b {
            guard sameTierRule == .routellmCompatible else { return }
            switch battle.outcome {
            case .modelA: selfRowsLabelledOne[a] += 2 * weight
            case .modelB: selfRowsLabelledZero[a] += 2 * weight
            case .tie, .tieBothBad:
                selfRowsLabelledOne[a] += weight
                selfRowsLabelledZero[a] += weight
            }
            return
        }
        switch battle.outcome {
        case .modelA: wins[a * playerCount + b] += 2 * weight
        case .modelB: wins[b * playerCount + a] += 2 * weight
        case .tie, .tieBothBad:
            wins[a * playerCount + b] += weight
            wins[b * playerCount + a] += weight
        }
    }

    /// Sum of every weight held, the scale of the likelihood.
    public var totalWeight: Double {
        wins.reduce(0, +) + selfRowsLabelledOne.reduce(0, +) + selfRowsLabelledZero.reduce(0, +)
    }
}

/// What the per-query fit does with a battle whose two models fall in the same tier.
public enum SameTierRule: String, Sendable, CaseIterable {
    /// Leave it out: it says nothing about the difference between tiers. The default.
    case exclude = "clean"
    /// RouteLLM's behaviour: its design-matrix assignment overwrites the +ln 10 of `model_a` with
    /// the −ln 10 of `model_b`, so the battle becomes a row with only −ln 10 in that tier's
    /// column. Kept for comparison with RouteLLM's numbers.
    case routellmCompatible = "routellm"
}
