import Embeddings
import Foundation
import Postgres
import Ranking

/// One refit of the global ratings and tiers as stored in `ratings_versions` and
/// `model_ratings`. Every decision routed with it carries its `label`.
public struct RatingsVersion: Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// Battles were imported.
        case importing = "import"
        /// The learn stage found battles without any version.
        case start
        /// `learning.refit_every_votes` new battles.
        case votes
        /// `learning.refit_interval_seconds` passed with new battles.
        case schedule
        /// A vote named a model no version rated yet.
        case newModel = "new_model"
        /// The battles of a source were retracted.
        case retraction
    }

    public struct ModelRating: Sendable, Equatable {
        public let rating: Double
        public let lower: Double
        public let median: Double
        public let upper: Double
        public let tier: Int
        public let battles: Int
    }

    public let id: Int64
    public let reason: Reason
    /// The refit covers the battles with ids up to this one.
    public let lastBattleID: Int64
    public let battleCount: Int
    /// The tier count the refit asked for (a version with fewer models uses fewer tiers).
    public let tierCount: Int
    public let createdAt: Date
    public let models: [String: ModelRating]
    /// The kernel sharpness γ chosen on the version's battles (`SharpnessSelection`), which
    /// routers set to `auto` rank with; nil when none was chosen for it.
    public let kernelSharpness: Double?

    /// What decisions carry as `ratings_version`: `ratings-<id>`.
    public var label: String { Self.label(id) }

    public static func label(_ id: Int64) -> String { "ratings-\(id)" }

    public func tier(of model: String) -> Int? { models[model]?.tier }

    /// The tier of each model, in order; throws when one has none (a memory is only ever given
    /// battles of rated models).
    public func tiers(of names: [String]) throws -> [Int] {
        try names.map { name in
            guard let tier = tier(of: name) else { throw LearningError.damagedRatings(id: id, "it has no tier for '\(name)'") }
            return tier
        }
    }
}

/// The tables of ratings versions.
public struct RatingsVersionTable {
    public let connection: PostgresConnection

    public init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    /// Refits over every stored battle, chooses the kernel sharpness on them with the refit's
    /// tiers, and records both as a new version; run it inside the transaction that stored the
    /// newest battles, so the version covers exactly them. The bootstrap is seeded with the last
    /// battle's id, so the refit can be repeated.
    public func refit(reason: RatingsVersion.Reason, tierCount: Int, rounds: Int, embedder: EmbedderIdentity) throws -> RatingsVersion {
        let battles = try BattleTable(connection).outcomes()
        let lastID = battles.last?.id ?? 0
        let refit = RatingsRefit(battles, tierCount: tierCount, rounds: rounds, seed: UInt64(lastID))
        let sharpness = try SharpnessSelection(battlesOf: refit, through: lastID, on: connection)
        return try record(refit, reason: reason, lastBattleID: lastID, embedder: embedder, sharpness: sharpness)
    }

    /// Records a refit, and the kernel sharpness chosen on its battles if one was.
    public func record(_ refit: RatingsRefit, reason: RatingsVersion.Reason, lastBattleID: Int64, embedder: EmbedderIdentity,
                       sharpness: SharpnessSelection? = nil) throws -> RatingsVersion {
        let id = try connection.query("""
            INSERT INTO ratings_versions (reason, last_battle_id, battle_count, tier_count, bootstrap_rounds, bootstrap_seed,
                                          confidence, embedder_name, embedder_version, kernel_sharpness)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
            """, [.text(reason.rawValue), .bigint(lastBattleID), .bigint(Int64(refit.battleCount)), .integer(Int32(refit.tierCount)),
                  .integer(Int32(refit.rounds)), .bigint(Int64(bitPattern: refit.seed)), .double(refit.confidence),
                  .text(embedder.name), .text(embedder.version), sharpness.map { .double($0.chosen) } ?? .null])[0]
            .decode(Int64.self, column: "id")
        if let sharpness, !sharpness.scores.isEmpty {
            try connection.copy(into: "kernel_sharpness_scores", columns: ["ratings_version", "sharpness", "mean_log_likelihood",
                                                                            "gain_over_routellm", "standard_error", "held_out_prompts",
                                                                            "held_out_battles"],
                                rows: sharpness.scores.map { score -> [PostgresValue] in
                                    [.bigint(id), .double(score.sharpness), .double(score.meanLogLikelihood),
                                     .double(score.gainOverRouteLLM), .double(score.standardError),
                                     .integer(Int32(sharpness.heldOutPrompts)), .integer(Int32(sharpness.heldOutBattles))]
                                })
        }
        if !refit.models.isEmpty {
            try connection.copy(into: "model_ratings", columns: ["ratings_version", "model", "rating", "rating_lower", "rating_median",
                                                                 "rating_upper", "tier", "battles"],
                                rows: refit.models.indices.map { index -> [PostgresValue] in
                                    let interval = refit.intervals[index]
                                    return [.bigint(id), .text(refit.models[index]), .double(refit.ratings[index]),
                                            .double(interval.lower), .double(interval.median), .double(interval.upper),
                                            .integer(Int32(refit.tiers[index])), .bigint(Int64(refit.battlesPerModel[index]))]
                                })
        }
        guard let version = try version(id) else {
            throw LearningError.damagedRatings(id: id, "it vanished inside its own transaction")
        }
        return version
    }

    /// The newest version; nil before the first refit.
    public func latest() throws -> RatingsVersion? {
        guard let id = try connection.query("SELECT max(id) AS id FROM ratings_versions")[0].decode(Int64?.self, column: "id")
        else { return nil }
        return try version(id)
    }

    public func version(_ id: Int64) throws -> RatingsVersion? {
        guard let row = try connection.query("""
            SELECT reason, last_battle_id, battle_count, tier_count, created_at, kernel_sharpness FROM ratings_versions WHERE id = $1
            """, [.bigint(id)]).first else { return nil }
        let label = try row.decode(String.self, column: "reason")
        guard let reason = RatingsVersion.Reason(rawValue: label) else {
            throw LearningError.damagedRatings(id: id, "reason '\(label)'")
        }
        var models: [String: RatingsVersion.ModelRating] = [:]
        for rating in try connection.query("""
            SELECT model, rating, rating_lower, rating_median, rating_upper, tier, battles FROM model_ratings WHERE ratings_version = $1
            """, [.bigint(id)]) {
            models[try rating.decode(column: "model")] = try RatingsVersion.ModelRating(row: rating)
        }
        return RatingsVersion(id: id, reason: reason, lastBattleID: try row.decode(column: "last_battle_id"),
                              battleCount: try row.decode(column: "battle_count"), tierCount: try row.decode(column: "tier_count"),
                              createdAt: try row.decode(column: "created_at"), models: models,
                              kernelSharpness: try row.decode(column: "kernel_sharpness"))
    }
}

private extension RatingsVersion.ModelRating {
    /// A row of the `model_ratings` columns `RatingsVersionTable.version(_:)` reads.
    init(row: PostgresRow) throws {
        self.init(rating: try row.decode(column: "rating"), lower: try row.decode(column: "rating_lower"),
                  median: try row.decode(column: "rating_median"), upper: try row.decode(column: "rating_upper"),
                  tier: try row.decode(column: "tier"), battles: try row.decode(column: "battles"))
    }
}
