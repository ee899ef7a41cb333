/// The result of one battle between `model_a` and `model_b`, as Chatbot Arena labels it.
public enum BattleOutcome: UInt8, Sendable, CaseIterable {
    case modelA
    case modelB
    case tie
    case tieBothBad

    /// Reads Chatbot Arena's label: `model_a`, `model_b`, `tie` or `tie (bothbad)`.
    public init?(label: String) {
        switch label {
        case "model_a": self = .modelA
        case "model_b": self = .modelB
        case "tie": self = .tie
        case "tie (bothbad)": self = .tieBothBad
        default: return nil
        }
    }

    public var label: String {
        switch self {
        case .modelA: "model_a"
        case .modelB: "model_b"
        case .tie: "tie"
        case .tieBothBad: "tie (bothbad)"
        }
    }

    var isTie: Bool { self == .tie || self == .tieBothBad }
}

/// A battle between two players identified by index (models, or tiers).
public struct IndexedBattle: Sendable, Equatable {
    public var a: Int
    public var b: Int
    public var outcome: BattleOutcome

    public init(a: Int, b: Int, outcome: BattleOutcome) {
        self.a = a
        self.b = b
        self.outcome = outcome
    }
}
