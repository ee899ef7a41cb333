import BattleStore
import Embeddings
import Foundation
import Pipeline
import Postgres
import Ranking

/// The battle memory `route`, `calibrate` and `eval` read, as a route stage reads it: a memory
/// directory, or PostgreSQL's battles table — the imported battles and the votes the learn stage
/// learnt, loaded as a router following the table loads it (`TableMemory`: retracted battles,
/// and those of models no ratings version rates, left out; the newest version's ratings and
/// tiers). With `--config`, within its memory limits and under its model names, as its route
/// stage would. Nothing is written to either.
struct MemorySource {
    static let options: [Option] = [
        .value("memory", "DIR|database", "Battle memory: a directory (see 'routeledger import'), or 'database' for PostgreSQL's battles table."),
        .value("database", "URL", "PostgreSQL of the battles table (default: the configuration's database.url, $ROUTELEDGER_DATABASE_URL, "
               + "else the PG* variables); without --memory, the memory is that battles table."),
        .value("config", "FILE", "Read the memory as this run configuration's route stage does: its memory (unless --memory or --database), "
               + "memory_limits, model names and aliases, routing.same_tier_rule and kernel_sharpness, and its routing pair as the "
               + "default --strong and --weak."),
    ]

    /// `--tiers`, which `routingMemory(tiers:)` reads.
    static let tiersOption = Option.value("tiers", "N", "Fit the memory's ratings into N tiers (default: a directory's own count, routing.tiers "
                                          + "with --config; the battles table's newest ratings version's tiers).")

    /// The run configuration of `--config`; nil without it.
    let configuration: RouteLedgerConfiguration?
    /// The battles as a route stage holds them, with their prompts.
    let battles: LoadedBattles
    /// The tiers the memory's ratings are cut into: a directory's (or the configuration's
    /// `routing.tiers`, as its route stage cuts them), or the ratings version's.
    let tierCount: Int
    /// For the battles table, its memory with the ratings and tiers of the newest ratings
    /// version, as a router following the table ranks; nil for a directory, fit where it is used.
    let storedRouting: RoutingMemory?
    /// The kernel sharpness chosen for the memory with `tierCount` tiers: the manifest's, or the
    /// ratings version's; nil when none was.
    private let chosenSharpness: Double?
    let embeddings: PromptEmbeddings
    /// What the memory is, for messages.
    let name: String

    /// The configuration of `--config`, read before the memory so that a bad one fails first.
    static func configuration(_ arguments: ParsedArguments) throws -> RouteLedgerConfiguration? {
        try arguments.string("config").map(ConfigurationOption.load)
    }

    /// `--strong` and `--weak` under their configured names; the configuration's routing pair for
    /// those not given; nil for a model neither names.
    static func pair(_ arguments: ParsedArguments, configuration: RouteLedgerConfiguration?) -> (strong: String?, weak: String?) {
        let names = configuration?.modelNames ?? []
        let configured = configuration?.routingPair
        return (arguments.string("strong").map(names.resolve) ?? configured?.strong, arguments.string("weak").map(names.resolve) ?? configured?.weak)
    }

    /// `--memory` naming an empty memory: what `eval --learning-curve` starts from when no
    /// battle is known before the evaluation set's votes.
    static let emptyMemory = "none"

    /// `allowingEmpty`: whether `--memory none` may name an empty memory (of `--embedder`'s
    /// prompts, `routing.tiers` or 10 tiers).
    init(_ arguments: ParsedArguments, configuration: RouteLedgerConfiguration?, allowingEmpty: Bool = false) throws {
        self.configuration = configuration
        let databaseMemory = RouteLedgerConfiguration.databaseMemory
        let database = arguments.string("database")
        guard let memory = arguments.string("memory") ?? (database != nil ? databaseMemory : configuration?.memoryPath) else {
            throw UsageError("give the battle memory: --memory DIR, --database URL (PostgreSQL's battles table) or --config FILE")
        }
        if memory == Self.emptyMemory && arguments.string("memory") != nil {
            guard allowingEmpty, database == nil else {
                throw UsageError(allowingEmpty ? "give one battle memory, --memory none or --database URL, not both"
                                               : "option '--memory': an empty memory ('none') is for eval --learning-curve only")
            }
            let embedder = try EmbedderChoice.load(arguments, forMemory: nil)
            battles = LoadedBattles(battles: [], embeddings: [], dimension: embedder.dimension, embedder: embedder.identity)
            tierCount = configuration?.routing.tiers ?? MemoryDirectory.defaultTierCount
            storedRouting = nil
            chosenSharpness = nil
            embeddings = PromptEmbeddings(embedder: embedder, battles: battles)
            name = "an empty memory"
            return
        }
        guard memory == databaseMemory || database == nil else {
            throw UsageError("give one battle memory, --memory DIR or --database URL, not both (--memory database --database URL reads the table there)")
        }
        guard memory == databaseMemory else {
            let directory = try MemoryDirectory.open(URL(fileURLWithPath: memory))
            let embedder = try EmbedderChoice.load(arguments, forMemory: directory.manifest.embedder)
            let loaded = try directory.load()
            battles = configuration.map(loaded.routed) ?? loaded
            tierCount = configuration?.routing.tiers ?? directory.manifest.tierCount
            storedRouting = nil
            chosenSharpness = directory.manifest.storedSharpness(tierCount: tierCount)
            embeddings = try PromptEmbeddings(directory: directory, embedder: embedder, battles: loaded)
            name = memory
            return
        }
        let settings = try DatabaseOption.settings(arguments, configuration: configuration)
        name = "the battles table of PostgreSQL at \(settings)"
        let connection: PostgresConnection
        do {
            connection = try DatabaseOption.connect(settings, waitingUpTo: 0)
        } catch {
            // The connection error names the settings (never the password).
            throw CommandFailure("cannot reach PostgreSQL to read its battles table: \(error)")
        }
        defer { connection.close() }
        do {
            guard let stored = try BattleTable(connection).embedders().first else {
                throw CommandFailure("\(name) holds no battle: import some (routeledger import --database) or let the learn stage learn votes")
            }
            let embedder = try EmbedderChoice.load(arguments, forMemory: stored)
            let table = try TableMemory.load(from: connection, embedder: embedder, limits: configuration?.memoryLimits ?? MemoryLimits())
            guard table.memory.count > 0 else {
                throw CommandFailure("\(name) holds no battle to route with: all are retracted, or of models no ratings version rates")
            }
            battles = try table.labelledBattles(embedder: embedder.identity, on: connection)
            tierCount = table.version.tierCount
            storedRouting = try table.routingMemory(embedder: embedder.identity)
            chosenSharpness = table.version.kernelSharpness
            embeddings = PromptEmbeddings(embedder: embedder, battles: battles)
        } catch let error as LearningError {
            if case .embedderMismatch = error, arguments.string("embedder") != nil { throw UsageError("option '--embedder': \(error)") }
            throw CommandFailure("\(name): \(error)")
        } catch let error as PostgresError {
            throw CommandFailure("cannot read the battle memory from \(name): \(error)")
        }
    }

    /// The memory as a router of it ranks: for the battles table with the ratings and tiers of
    /// its ratings version, unless `tiers` asks for a fit; a directory fit with `tiers`, else its
    /// own count.
    func routingMemory(tiers: Int?) throws -> RoutingMemory {
        if tiers == nil, let storedRouting { return storedRouting }
        return try battles.routingMemory(tierCount: tiers ?? tierCount)
    }

    /// The γ chosen for the memory, for a router with `tiers` tiers: one chosen with other tiers
    /// is not its own.
    func storedSharpness(tierCount tiers: Int) -> Double? {
        tiers == tierCount ? chosenSharpness : nil
    }

    /// `--kernel-sharpness`, else the configuration's `routing.kernel_sharpness`, else RouteLLM's.
    static func kernelSharpness(_ arguments: ParsedArguments, configuration: RouteLedgerConfiguration?) throws -> KernelSharpness {
        try KernelSharpness.parse(arguments) ?? configuration?.routing.kernelSharpness ?? .routeLLM
    }

    /// How battles of models in one tier count: the configuration's rule, else RouteLLM's (left out).
    var sameTierRule: SameTierRule { configuration?.routing.sameTierRule ?? .exclude }

    /// The decay of battles' weights by their age now, as the configuration's route stage weighs them.
    func decay() -> TimeDecay? {
        configuration?.memoryLimits.decay()
    }
}
