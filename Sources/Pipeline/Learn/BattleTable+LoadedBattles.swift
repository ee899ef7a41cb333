import BattleStore
import Embeddings
import Foundation
import Postgres
import Ranking

extension BattleTable {
    /// Every battle the routers learn from (none retracted), with its prompt and embedding, in
    /// the form a memory directory loads: what `route`, `calibrate` and `eval` read with
    /// `--database`. Nil when the table holds no battle.
    public func loadedBattles() throws -> LoadedBattles? {
        let stored = try embedders()
        guard let embedder = stored.first else { return nil }
        guard stored.count == 1 else {
            throw LearningError.embedderMismatch(stored: stored.map(\.description), configured: embedder.description)
        }
        guard let dimension = try dimension() else { return nil }
        var battles: [LabelledBattle] = []
        var embeddings: [Float] = []
        try connection.copyOut("""
            SELECT id, prompt, model_a, model_b, winner, source, fought_at, embedding FROM battles WHERE retraction IS NULL ORDER BY id
            """, types: [.bigint, .text, .text, .text, .text, .text, .timestamptz, .bytea]) { values in
            guard case .bigint(let id) = values[0], case .text(let prompt) = values[1], case .text(let a) = values[2],
                  case .text(let b) = values[3], case .text(let label) = values[4], case .text(let source) = values[5],
                  case .bytea(let bytes) = values[7] else {
                throw LearningError.damagedBattle(id: nil, "a battle row has unexpected values")
            }
            guard let outcome = BattleOutcome(label: label) else { throw LearningError.damagedBattle(id: id, "winner '\(label)'") }
            guard bytes.count == dimension * 4 else {
                throw LearningError.damagedBattle(id: id, "its embedding has \(bytes.count / 4) dimensions, the table \(dimension)")
            }
            let foughtAt: Date? = if case .timestamptz(let at) = values[6] { at.date } else { nil }
            battles.append(LabelledBattle(prompt: prompt, modelA: a, modelB: b, winner: outcome, source: source, foughtAt: foughtAt))
            EmbeddingBytes.decode(bytes, appendingTo: &embeddings)
        }
        return LoadedBattles(battles: battles, embeddings: embeddings, dimension: dimension, embedder: embedder)
    }
}
