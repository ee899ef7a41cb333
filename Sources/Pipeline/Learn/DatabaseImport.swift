import Embeddings
import Postgres
import Ranking

/// Imported battles into the battles table, for `routeledger import --database`.
public enum DatabaseImport {
    /// Embeds the battles' prompts, each distinct prompt once and `batchSize` at a time
    /// (`progress` hears how many prompts are done of how many), then appends them (`append`).
    public static func embedAndAppend(_ battles: [LabelledBattle], embedder: any Embedder, batchSize: Int, tierCount: Int, rounds: Int,
                                      on connection: PostgresConnection,
                                      progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> RatingsVersion {
        var prompts: [String] = []
        var rowOfPrompt: [String: Int] = [:]
        for battle in battles where rowOfPrompt[battle.prompt] == nil {
            rowOfPrompt[battle.prompt] = prompts.count
            prompts.append(battle.prompt)
        }
        var vectors: [Float] = []
        vectors.reserveCapacity(prompts.count * embedder.dimension)
        progress(0, prompts.count)
        for start in stride(from: 0, to: prompts.count, by: max(batchSize, 1)) {
            let end = min(start + max(batchSize, 1), prompts.count)
            vectors += try embedder.embed(Array(prompts[start..<end])).values
            progress(end, prompts.count)
        }
        let dimension = embedder.dimension
        var embeddings: [Float] = []
        embeddings.reserveCapacity(battles.count * dimension)
        for battle in battles {
            let row = rowOfPrompt[battle.prompt]!
            embeddings += vectors[(row * dimension)..<((row + 1) * dimension)]
        }
        return try append(battles, embeddings: embeddings, embedder: embedder.identity, tierCount: tierCount, rounds: rounds, on: connection)
    }

    /// Appends the battles and refits the ratings and tiers over all battles, in one
    /// transaction that announces both to routers. `embeddings` has one row per battle.
    /// Refuses battles of another embedder than those already stored.
    public static func append(_ battles: [LabelledBattle], embeddings: [Float], embedder: EmbedderIdentity, tierCount: Int,
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
