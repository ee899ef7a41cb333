import Postgres

/// Takes back every battle learnt from one source: its battles are marked retracted, and a row
/// of `battle_retractions` says who did it, when, how many and why — both in one transaction
/// that announces it, so following routers reload their memory without them. Then the ratings
/// are refit without them (`ConfiguredRefit`, reason `retraction`).
///
/// A battle's source is its vote's `source` field, else its `source` column: `votes` for votes
/// that name none, an import's source for imported battles. Retracted battles stay in the table,
/// so a vote read again is still known by its id and not learnt anew.
public struct BattleRetraction: Sendable {
    public let id: Int64
    public let source: String
    public let battles: Int
    /// The version refit without the battles; nil when none was recorded.
    public let version: RatingsVersion?
    /// The refit put the routing pair into one tier, so routers keep the previous tiers.
    public let refitRefused: Bool

    public static func retract(source: String, reason: String, configuration: RouteLedgerConfiguration,
                               on connection: PostgresConnection) throws -> BattleRetraction {
        let (id, battles) = try connection.transaction {
            try LearningLock.take(on: connection)
            let id = try connection.query("""
                INSERT INTO battle_retractions (source, reason, battles) VALUES ($1, $2, 0) RETURNING id
                """, [.text(source), .text(reason)])[0].decode(Int64.self, column: "id")
            let battles = try connection.execute("""
                UPDATE battles SET retraction = $1 WHERE retraction IS NULL AND coalesce(vote_source, source) = $2
                """, [.bigint(id), .text(source)])
            try connection.execute("UPDATE battle_retractions SET battles = $2 WHERE id = $1", [.bigint(id), .bigint(Int64(battles))])
            let versions = RatingsVersionTable(connection)
            try LearningAnnouncement(lastBattleID: try BattleTable(connection).lastID(), ratingsVersion: try versions.latest()?.id)
                .send(on: connection)
            return (id, battles)
        }
        guard battles > 0, let embedder = try BattleTable(connection).embedders().first else {
            return BattleRetraction(id: id, source: source, battles: battles, version: nil, refitRefused: false)
        }
        let refit = ConfiguredRefit(configuration: configuration, connection: connection, embedder: embedder)
        let outcome = try refit.run(.retraction, publishing: { _ in })
        var version: RatingsVersion?
        if case .published(let published) = outcome { version = published }
        var refused = false
        if case .refused = outcome { refused = true }
        return BattleRetraction(id: id, source: source, battles: battles, version: version, refitRefused: refused)
    }

    /// The newest retraction's id; 0 before the first. A router reloads when it grows.
    static func lastID(on connection: PostgresConnection) throws -> Int64 {
        try connection.query("SELECT coalesce(max(id), 0) AS last_id FROM battle_retractions")[0].decode(Int64.self, column: "last_id")
    }
}
