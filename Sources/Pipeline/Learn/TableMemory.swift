import BattleStore
import Embeddings
import Foundation
import Postgres
import Ranking

/// The battles table as a router holds it: the battles within the memory limits whose models
/// the newest ratings version rates (the others wait outside the memory), that version, whose
/// tiers rank them, and the newest retraction when it was read (no battle retracted up to it
/// is in the memory). A route stage following the table starts from it (`FollowedMemory`), and
/// the commands that route, calibrate or evaluate over the table read it the same way.
public struct TableMemory: Sendable {
    public let version: RatingsVersion
    var live: LiveMemory
    let retraction: Int64

    public var memory: BattleMemory { live.memory }

    /// Loads the battles with COPY and the newest ratings version. Refuses a table whose battles
    /// come from another embedder than `embedder` (nil: events bring their own vectors, of the
    /// table's dimension).
    public static func load(from connection: PostgresConnection, embedder: (any Embedder)?, limits: MemoryLimits) throws -> TableMemory {
        let table = BattleTable(connection)
        if let embedder { try table.checkEmbedder(embedder.identity) }
        guard let version = try RatingsVersionTable(connection).latest() else { throw LearningError.noRatings }
        let dimension = try embedder?.dimension ?? table.dimension() ?? 1
        let retraction = try BattleRetraction.lastID(on: connection)
        let live = try LiveMemory.load(from: connection, dimension: dimension, limits: limits, rated: { version.models[$0] != nil })
        return TableMemory(version: version, live: live, retraction: retraction)
    }

    /// The memory with the version's global ratings and tiers, as a router following the table
    /// ranks it.
    public func routingMemory(embedder: EmbedderIdentity) throws -> RoutingMemory {
        let models = memory.models
        let tiers = try version.tiers(of: models)
        return RoutingMemory(memory: memory, globalRatings: models.map { version.models[$0]!.rating }, tierOfModel: tiers,
                             embedder: embedder)
    }

    /// The memory's battles with their prompts (read by id), for what tells battles apart by
    /// prompt, such as an evaluation's folds. The prompts' embeddings are the memory's own array.
    public func labelledBattles(embedder: EmbedderIdentity, on connection: PostgresConnection) throws -> LoadedBattles {
        let memory = memory
        let prompts = try BattleTable(connection).prompts(of: live.ids)
        let battles = prompts.indices.map { index in
            let time = memory.times[index]
            return LabelledBattle(prompt: prompts[index], modelA: memory.models[Int(memory.modelA[index])],
                                  modelB: memory.models[Int(memory.modelB[index])], winner: memory.outcomes[index],
                                  source: live.sources[index], foughtAt: time.isNaN ? nil : Date(timeIntervalSince1970: time))
        }
        return LoadedBattles(battles: battles, promptEmbeddings: memory.promptEmbeddings, promptOfBattle: memory.promptOfBattle,
                             dimension: memory.dimension, embedder: embedder)
    }
}
