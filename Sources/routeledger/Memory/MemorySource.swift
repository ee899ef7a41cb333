import BattleStore
import Embeddings
import Foundation
import Pipeline
import Postgres

/// The battle memory `route`, `calibrate` and `eval` read: a memory directory (`--memory DIR`),
/// or PostgreSQL's battles table (`--database URL`), which holds the imported battles and the
/// votes the learn stage learnt, as routers following the database see them (retracted
/// battles left out). Nothing is written to either.
struct MemorySource {
    static let options: [Option] = [
        .value("memory", "DIR", "Battle memory directory (see 'routeledger import')."),
        .value("database", "URL", "Read the battle memory from PostgreSQL's battles table instead: imported battles and learnt votes."),
    ]

    let battles: LoadedBattles
    /// The directory's tier count, or the newest ratings version's.
    let tierCount: Int
    /// The kernel sharpness chosen for the memory with `tierCount` tiers: the manifest's, or the
    /// newest ratings version's; nil when none was.
    private let chosenSharpness: Double?
    let embeddings: PromptEmbeddings
    /// What the memory is, for messages.
    let name: String

    /// The γ chosen for the memory, for a router with `tiers` tiers: one chosen with other tiers
    /// is not its own.
    func storedSharpness(tierCount tiers: Int) -> Double? {
        tiers == tierCount ? chosenSharpness : nil
    }

    init(_ arguments: ParsedArguments) throws {
        switch (arguments.string("memory"), arguments.string("database")) {
        case (let path?, nil):
            let directory = try MemoryDirectory.open(URL(fileURLWithPath: path))
            let embedder = try EmbedderChoice.load(arguments, forMemory: directory.manifest.embedder)
            battles = try directory.load()
            tierCount = directory.manifest.tierCount
            chosenSharpness = directory.manifest.kernelSharpness?.chosen
            embeddings = try PromptEmbeddings(directory: directory, embedder: embedder, battles: battles)
            name = path
        case (nil, .some):
            let settings = try DatabaseOption.settings(arguments)
            let connection: PostgresConnection
            do {
                connection = try DatabaseOption.connect(settings, waitingUpTo: 0)
            } catch {
                throw CommandFailure("cannot read the battle memory from PostgreSQL: \(error)")
            }
            defer { connection.close() }
            guard let stored = try BattleTable(connection).loadedBattles() else {
                throw CommandFailure("the battles table holds no battle (routeledger import --database, or votes through the learn stage)")
            }
            let embedder = try EmbedderChoice.load(arguments, forMemory: stored.embedder)
            guard embedder.identity == stored.embedder, embedder.dimension == stored.dimension else {
                throw UsageError("the battles table's vectors come from \(stored.embedder), not \(embedder.identity) (option '--embedder')")
            }
            battles = stored
            let latest = try RatingsVersionTable(connection).latest()
            tierCount = latest.flatMap { $0.models.values.map(\.tier).max() }.map { $0 + 1 } ?? MemoryDirectory.defaultTierCount
            chosenSharpness = latest?.kernelSharpness
            embeddings = PromptEmbeddings(embedder: embedder, battles: stored)
            name = "the battles table"
        case (.some, .some):
            throw UsageError("give one of --memory DIR and --database URL, not both")
        case (nil, nil):
            throw UsageError("give --memory DIR or --database URL")
        }
    }
}
