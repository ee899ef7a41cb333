import Foundation
import Ranking

/// One labelled battle as a memory directory keeps it: the prompt, the two models, the outcome,
/// where it came from and when it was fought (or imported, when the source does not say).
public struct StoredBattle: Sendable, Equatable, Codable {
    public var prompt: String
    public var modelA: String
    public var modelB: String
    public var winner: BattleOutcome
    public var source: String
    /// ISO 8601, UTC.
    public var time: String

    public init(prompt: String, modelA: String, modelB: String, winner: BattleOutcome, source: String, time: String) {
        self.prompt = prompt
        self.modelA = modelA
        self.modelB = modelB
        self.winner = winner
        self.source = source
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case prompt
        case modelA = "model_a"
        case modelB = "model_b"
        case winner, source, time
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try container.decode(String.self, forKey: .prompt)
        modelA = try container.decode(String.self, forKey: .modelA)
        modelB = try container.decode(String.self, forKey: .modelB)
        let label = try container.decode(String.self, forKey: .winner)
        guard let outcome = BattleOutcome(label: label) else {
            throw DecodingError.dataCorruptedError(forKey: .winner, in: container, debugDescription: "unknown winner '\(label)'")
        }
        winner = outcome
        source = try container.decode(String.self, forKey: .source)
        time = try container.decode(String.self, forKey: .time)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(modelA, forKey: .modelA)
        try container.encode(modelB, forKey: .modelB)
        try container.encode(winner.label, forKey: .winner)
        try container.encode(source, forKey: .source)
        try container.encode(time, forKey: .time)
    }
}

/// Times as battle records write them: ISO 8601 in UTC, to the second.
public enum BattleTime {
    public static func string(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Seconds since 1970 of a battle's time, NaN when it does not parse (time decay then
    /// leaves the battle at full weight).
    public static func seconds(_ text: String) -> Double {
        (try? Date(text, strategy: .iso8601))?.timeIntervalSince1970 ?? .nan
    }
}
