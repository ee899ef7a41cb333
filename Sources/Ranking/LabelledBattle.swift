import Foundation

/// One labelled battle: a prompt, the two models that answered it, which answer won, where the
/// label came from and when the battle was fought (nil when the source does not say). Import
/// formats, memory directories and the battles table all hold battles in this shape;
/// `BattleMemory` is the columnar form the router weighs.
public struct LabelledBattle: Sendable, Equatable {
    public var prompt: String
    public var modelA: String
    public var modelB: String
    public var winner: BattleOutcome
    public var source: String
    public var foughtAt: Date?

    public init(prompt: String, modelA: String, modelB: String, winner: BattleOutcome, source: String, foughtAt: Date?) {
        self.prompt = prompt
        self.modelA = modelA
        self.modelB = modelB
        self.winner = winner
        self.source = source
        self.foughtAt = foughtAt
    }

    /// Seconds since 1970 of `foughtAt`, NaN when unknown: the form `BattleMemory` keeps (time
    /// decay leaves such a battle at full weight).
    public var foughtAtSeconds: Double {
        foughtAt?.timeIntervalSince1970 ?? .nan
    }
}
