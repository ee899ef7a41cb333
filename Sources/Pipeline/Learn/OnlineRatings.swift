import Foundation
import Postgres
import Ranking

/// The global ratings between refits: the latest ratings version's, moved by one Elo step
/// (`EloStep`) per stored vote. Every step is kept in `elo_steps`, and the current ratings in
/// `elo_ratings`; a refit sets them back to its own ratings.
struct OnlineRatings: Sendable {
    let k: Double
    private(set) var ratings: [String: Double] = [:]
    private(set) var votes: [String: Int] = [:]
    /// Models whose rows must be written.
    private var changed: Set<String> = []
    private var steps: [(battleID: Int64, before: (Double, Double), after: (Double, Double))] = []

    init(k: Double) {
        self.k = k
    }

    /// The ratings as stored.
    static func load(k: Double, from connection: PostgresConnection) throws -> OnlineRatings {
        var online = OnlineRatings(k: k)
        for row in try connection.query("SELECT model, rating, votes FROM elo_ratings") {
            let model = try row.decode(String.self, column: "model")
            online.ratings[model] = try row.decode(Double.self, column: "rating")
            online.votes[model] = try row.decode(Int.self, column: "votes")
        }
        return online
    }

    /// One vote's step. A model without a rating starts from the version's, else from 1000.
    mutating func step(battleID: Int64, modelA: String, modelB: String, outcome: BattleOutcome, version: RatingsVersion?) {
        let before = (rating(of: modelA, version: version), rating(of: modelB, version: version))
        let after = EloStep.apply(ratingA: before.0, ratingB: before.1, outcome: outcome, k: k)
        ratings[modelA] = after.a
        ratings[modelB] = after.b
        votes[modelA, default: 0] += 1
        votes[modelB, default: 0] += 1
        changed.formUnion([modelA, modelB])
        steps.append((battleID, before, (after.a, after.b)))
    }

    /// Takes the refit's ratings as the new starting point.
    mutating func anchor(to version: RatingsVersion) {
        for (model, rating) in version.models {
            ratings[model] = rating.rating
            changed.insert(model)
        }
    }

    private func rating(of model: String, version: RatingsVersion?) -> Double {
        ratings[model] ?? version?.models[model]?.rating ?? BradleyTerry.initialRating
    }

    /// Writes the steps and changed ratings since the last save, inside the caller's transaction.
    mutating func save(to connection: PostgresConnection) throws {
        if !steps.isEmpty {
            try connection.copy(into: "elo_steps", columns: ["battle_id", "k", "model_a_before", "model_b_before", "model_a_after",
                                                             "model_b_after"],
                                rows: steps.map { [.bigint($0.battleID), .double(k), .double($0.before.0), .double($0.before.1),
                                                   .double($0.after.0), .double($0.after.1)] })
        }
        let statement = try connection.prepare("""
            INSERT INTO elo_ratings (model, rating, votes) VALUES ($1, $2, $3)
            ON CONFLICT (model) DO UPDATE SET rating = excluded.rating, votes = excluded.votes, updated_at = now()
            """)
        for model in changed.sorted() {
            try connection.execute(statement, [.text(model), .double(ratings[model]!), .bigint(Int64(votes[model, default: 0]))])
        }
        steps.removeAll()
        changed.removeAll()
    }
}
