import Embeddings
import Postgres

/// Imported battles into the battles table, for `routeledger import --database`.
public enum DatabaseImport {
    /// Appends the battles and refits the ratings and tiers over all battles, in one
    /// transaction that announces both to routers. `embeddings` has one row per battle.
    /// Refuses battles of another embedder than those already stored.
    public static func append(_ battles: [NewBattle], embeddings: [Float], embedder: EmbedderIdentity, tierCount: Int,
                              rounds: Int, on connection: PostgresConnection) throws -> RatingsVersion {
        let table = BattleTable(connection)
        return try connection.transaction {
            try LearningLock.take(on: connection)
            try table.checkEmbedder(embedder)
            try table.copy(battles, embeddings: embeddings, embedder: embedder)
            let version = try RatingsVersionTable(connection).refit(reason: .importing, tierCount: tierCount, rounds: rounds,
                                                                    embedder: embedder)
            try LearningAnnouncement(lastBattleID: version.lastBattleID, ratingsVersion: version.id).send(on: connection)
            return version
        }
    }
}
