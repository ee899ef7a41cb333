import Embeddings
import Foundation
import Postgres
import Ranking

/// The battles table (schemas/sql/0006_learning.sql, 0008_battle_sources.sql): the battle memory
/// in PostgreSQL. Battles are only ever appended; a vote's battle is stored once however often
/// the vote arrives. A retracted battle (`BattleRetraction`) stays, but no read below returns it.
public struct BattleTable {
    public let connection: PostgresConnection

    public init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    /// The embedders whose vectors the table holds (at most one in a sound database).
    public func embedders() throws -> [EmbedderIdentity] {
        try connection.query("SELECT DISTINCT embedder_name, embedder_version FROM battles ORDER BY 1, 2").map {
            EmbedderIdentity(name: try $0.decode(column: "embedder_name"), version: try $0.decode(column: "embedder_version"))
        }
    }

    /// Refuses to mix vectors of another embedder into the table, or to route with them.
    public func checkEmbedder(_ identity: EmbedderIdentity) throws {
        let stored = try embedders()
        guard stored.allSatisfy({ $0 == identity }) else {
            throw LearningError.embedderMismatch(stored: stored.map(\.description), configured: identity.description)
        }
    }

    /// The dimension of the stored embeddings; nil for an empty table.
    public func dimension() throws -> Int? {
        try connection.query("SELECT length(embedding) / 4 AS dimension FROM battles ORDER BY id LIMIT 1").first?
            .decode(Int.self, column: "dimension")
    }

    /// The highest battle id; 0 for an empty table.
    public func lastID() throws -> Int64 {
        try connection.query("SELECT coalesce(max(id), 0) AS last_id FROM battles")[0].decode(Int64.self, column: "last_id")
    }

    private static let insertColumns = ["vote_id", "query_id", "voter", "prompt", "model_a", "model_b", "winner", "source",
                                        "fought_at", "embedder_name", "embedder_version", "embedding", "kafka_topic",
                                        "kafka_partition", "kafka_offset", "vote_source"]

    /// Stores one battle unless its vote id is stored already; returns the new battle's id, nil
    /// for a vote seen before.
    public func insert(_ battle: LabelledBattle, vote: VoteOrigin?, embedding: some Collection<Float>,
                       embedder: EmbedderIdentity) throws -> Int64? {
        let placeholders = (1...Self.insertColumns.count).map { "$\($0)" }.joined(separator: ", ")
        let statement = try connection.prepare("""
            INSERT INTO battles (\(Self.insertColumns.joined(separator: ", "))) VALUES (\(placeholders))
            ON CONFLICT (vote_id) DO NOTHING RETURNING id
            """)
        return try connection.query(statement, Self.values(battle, vote: vote, embedding: embedding, embedder: embedder))
            .first?.decode(Int64.self, column: "id")
    }

    /// Stores many battles at once with COPY (imports carry no vote ids); all or none.
    /// `embeddings` holds one row of the embedder's dimension per battle.
    @discardableResult
    public func copy(_ battles: [LabelledBattle], embeddings: [Float], embedder: EmbedderIdentity) throws -> Int {
        precondition(!battles.isEmpty && embeddings.count % battles.count == 0, "one embedding per battle")
        let dimension = embeddings.count / battles.count
        return try connection.copy(into: "battles", columns: Self.insertColumns, rows: battles.indices.lazy.map { index in
            Self.values(battles[index], vote: nil, embedding: embeddings[(index * dimension)..<((index + 1) * dimension)], embedder: embedder)
        })
    }

    private static func values(_ battle: LabelledBattle, vote: VoteOrigin?, embedding: some Collection<Float>,
                               embedder: EmbedderIdentity) -> [PostgresValue] {
        [vote.map { .text($0.voteID) } ?? .null, vote?.queryID.map(PostgresValue.text) ?? .null,
         vote.map { .text($0.voter) } ?? .null, .text(battle.prompt), .text(battle.modelA), .text(battle.modelB),
         .text(battle.winner.label), .text(battle.source),
         battle.foughtAt.map { .timestamptz(PostgresTimestamp($0)) } ?? .null,
         .text(embedder.name), .text(embedder.version), .bytea(EmbeddingBytes.encode(embedding)),
         vote.map { .text($0.readFrom.topic) } ?? .null, vote.map { .integer($0.readFrom.partition) } ?? .null,
         vote.map { .bigint($0.readFrom.offset) } ?? .null, vote?.source.map(PostgresValue.text) ?? .null]
    }

    /// The models and outcome of every battle between two of `models` (of every battle when
    /// nil), in id order: the input of a refit.
    public func outcomes(between models: Set<String>? = nil) throws -> [StoredOutcome] {
        var outcomes: [StoredOutcome] = []
        try connection.copyOut("SELECT id, model_a, model_b, winner FROM battles WHERE retraction IS NULL ORDER BY id",
                               types: [.bigint, .text, .text, .text]) { values in
            guard case .bigint(let id) = values[0], case .text(let a) = values[1], case .text(let b) = values[2],
                  case .text(let label) = values[3], let outcome = BattleOutcome(label: label)
            else { throw LearningError.damagedBattle(id: nil, "unexpected values \(values)") }
            if let models, !models.contains(a) || !models.contains(b) { return }
            outcomes.append(StoredOutcome(id: id, modelA: a, modelB: b, outcome: outcome))
        }
        return outcomes
    }

    /// Battles with ids above `id`, in id order, at most `limit` of them: what a router appends.
    public func rows(after id: Int64, limit: Int, dimension: Int) throws -> BattleRows {
        var rows = BattleRows(dimension: dimension)
        let statement = try connection.prepare("""
            SELECT \(BattleRows.columns) FROM battles WHERE id > $1 AND retraction IS NULL ORDER BY id LIMIT $2
            """)
        for row in try connection.query(statement, [.bigint(id), .bigint(Int64(limit))]) {
            try rows.append(row.values)
        }
        return rows
    }

    /// Every battle, streamed out with COPY, keeping those `keep` accepts (by id): how a router
    /// loads its memory at start.
    public func allRows(dimension: Int, keep: (Int64) -> Bool = { _ in true }) throws -> BattleRows {
        var rows = BattleRows(dimension: dimension)
        try connection.copyOut("SELECT \(BattleRows.columns) FROM battles WHERE retraction IS NULL ORDER BY id",
                               types: BattleRows.columnTypes) { values in
            if case .bigint(let id) = values[0], !keep(id) { return }
            try rows.append(values)
        }
        return rows
    }

    /// The prompts of the battles with these ids, in their order: a router's memory holds no
    /// prompts, and what tells battles apart by prompt (an evaluation's folds) reads them here.
    /// A battle's prompt never changes, and a retracted battle keeps it.
    public func prompts(of ids: [Int64]) throws -> [String] {
        let wanted = Set(ids)
        var promptOf: [Int64: String] = [:]
        try connection.copyOut("SELECT id, prompt FROM battles ORDER BY id", types: [.bigint, .text]) { values in
            guard case .bigint(let id) = values[0], wanted.contains(id) else { return }
            guard case .text(let prompt) = values[1] else { throw LearningError.damagedBattle(id: id, "its prompt is not text") }
            promptOf[id] = prompt
        }
        return try ids.map { id in
            guard let prompt = promptOf[id] else { throw LearningError.damagedBattle(id: id, "it is no longer in the table") }
            return prompt
        }
    }

    /// Every battle's id, source and time (seconds since 1970, NaN when unknown), in id order:
    /// what memory limits choose by, without the embeddings.
    public func ages() throws -> (ids: [Int64], sources: [String], times: [Double]) {
        var ids: [Int64] = []
        var sources: [String] = []
        var times: [Double] = []
        try connection.copyOut("SELECT id, source, fought_at FROM battles WHERE retraction IS NULL ORDER BY id", types: [.bigint, .text, .timestamptz]) { values in
            guard case .bigint(let id) = values[0], case .text(let source) = values[1] else {
                throw LearningError.damagedBattle(id: nil, "unexpected values \(values)")
            }
            ids.append(id)
            sources.append(source)
            let time: Double = if case .timestamptz(let at) = values[2] { at.date.timeIntervalSince1970 } else { .nan }
            times.append(time)
        }
        return (ids, sources, times)
    }
}

/// One stored battle's models and outcome.
public struct StoredOutcome: Sendable, Equatable {
    public let id: Int64
    public let modelA: String
    public let modelB: String
    public let outcome: BattleOutcome
}
