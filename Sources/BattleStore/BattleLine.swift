import Foundation
import Ranking

/// A battle as a line of a memory directory's `battles.jsonl`: `prompt`, `model_a`, `model_b`,
/// `winner` (its label), `source` and `time` (ISO 8601 in UTC, to the second; empty when the
/// battle's time is not known, and read as unknown when it does not parse).
struct BattleLine: Codable {
    let battle: LabelledBattle

    init(_ battle: LabelledBattle) {
        self.battle = battle
    }

    enum CodingKeys: String, CodingKey {
        case prompt
        case modelA = "model_a"
        case modelB = "model_b"
        case winner, source, time
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let label = try container.decode(String.self, forKey: .winner)
        guard let outcome = BattleOutcome(label: label) else {
            throw DecodingError.dataCorruptedError(forKey: .winner, in: container, debugDescription: "unknown winner '\(label)'")
        }
        battle = LabelledBattle(prompt: try container.decode(String.self, forKey: .prompt),
                                modelA: try container.decode(String.self, forKey: .modelA),
                                modelB: try container.decode(String.self, forKey: .modelB), winner: outcome,
                                source: try container.decode(String.self, forKey: .source),
                                foughtAt: BattleTime.date(try container.decode(String.self, forKey: .time)))
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(battle.prompt, forKey: .prompt)
        try container.encode(battle.modelA, forKey: .modelA)
        try container.encode(battle.modelB, forKey: .modelB)
        try container.encode(battle.winner.label, forKey: .winner)
        try container.encode(battle.source, forKey: .source)
        try container.encode(battle.foughtAt.map(BattleTime.string) ?? "", forKey: .time)
    }
}

/// Times as battle records write them: ISO 8601 in UTC, to the second.
public enum BattleTime {
    public static func string(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// The time `text` names, nil when it does not parse (time decay then leaves the battle at
    /// full weight).
    public static func date(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}
