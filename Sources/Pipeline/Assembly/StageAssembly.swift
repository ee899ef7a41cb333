import BattleStore
import Embeddings
import Foundation
import Kafka
import Postgres
import Streams

/// Builds the stages of `routeledger run` from the configuration: the route stage (over a
/// memory directory, or over the battles table with the follower that keeps it current), the
/// learn stage and the ledger stage. This is the one place that decides which embedder, memory
/// and database each stage gets, so the demo, the soak and the benchmarks run the stages as
/// production does.
public struct StageAssembly {
    /// MiniLM embeds this many prompts per encoder call in every stage.
    static let embeddingBatch = 32

    public let configuration: RouteLedgerConfiguration
    public let shutdown: ShutdownSignal
    public let metrics: MetricsRegistry
    /// Where the assembly reports what it built; each stage logs under its own name at this
    /// log's level.
    public let log: StageLog
    private let database: PostgresSettings?

    /// `database` nil: `database.url`, else libpq's PG* variables, read when a stage needs them.
    public init(configuration: RouteLedgerConfiguration, database: PostgresSettings? = nil, shutdown: ShutdownSignal,
                metrics: MetricsRegistry = MetricsRegistry(), log: StageLog = StageLog(component: "run")) {
        self.configuration = configuration
        self.database = database
        self.shutdown = shutdown
        self.metrics = metrics
        self.log = log
    }

    /// What `memory` asks for: over a memory directory the route stage alone; over the battles
    /// table the route stage and its follower. A route stage with a database also gets the
    /// follower of the price book.
    public func routeStages() throws -> [any PipelineStage] {
        guard configuration.memoryIsDatabase else {
            let stage = try routeStageOverDirectory()
            return [stage] + (try priceFollower(for: [stage]).map { [$0] } ?? [])
        }
        let (stage, follower, prices) = try followingRouteStage()
        return [stage, follower, prices]
    }

    /// The router `memory` names, as a route stage starts with it, and the embedder for its
    /// queries: for a tool that routes past traffic as the route stage would.
    public func router() throws -> (snapshot: RouterSnapshot, embedder: (any Embedder)?) {
        guard configuration.memoryIsDatabase else { return try routerOverDirectory() }
        let (followed, embedder) = try followedMemory()
        return (followed.snapshot, embedder)
    }

    /// The route stage over the battles table, the follower that keeps it current, and the
    /// follower of the price book (which has read the book already).
    public func followingRouteStage() throws -> (stage: RouteStage, follower: RouterFollower, prices: PriceFollower) {
        let (followed, embedder) = try followedMemory()
        let snapshot = followed.snapshot
        log(.info, "router ready", ["battles": followed.battles, "ratings_version": followed.version.label,
                                    "candidates": snapshot.candidates.joined(separator: ","),
                                    "waiting_for_battles": snapshot.waitingCandidates.joined(separator: ","), "threshold": snapshot.threshold,
                                    "kernel_sharpness": snapshot.ranker.sharpness, "embedder": embedder?.identity.description ?? "given"])
        reportChoice(of: snapshot, storedIn: "the ratings version")
        let stage = routeStage(snapshot: snapshot, embedder: embedder)
        let follower = RouterFollower(followed, stages: [stage], configuration: configuration, database: try databaseSettings(), shutdown: shutdown,
                                      metrics: metrics, log: stageLog("follow"))
        return (stage, follower, try followingPrices(for: [stage]))
    }

    /// The follower of the price book for `stages`, which has read the book already (so their
    /// first batch is estimated from it); nil when a route stage has no database
    /// (`routeStageUsesDatabase`), and estimates at the configured prices.
    public func priceFollower(for stages: [RouteStage]) throws -> PriceFollower? {
        guard configuration.routeStageUsesDatabase else { return nil }
        return try followingPrices(for: stages)
    }

    /// A route stage with this router (a benchmark's synthetic memory, or one loaded here).
    public func routeStage(snapshot: RouterSnapshot, embedder: (any Embedder)?) -> RouteStage {
        StrongShareCheck.report(snapshot, after: "start", metrics: metrics, log: log)
        return RouteStage(configuration: configuration, embedder: embedder, snapshot: snapshot, shutdown: shutdown, metrics: metrics,
                   log: stageLog("route"))
    }

    /// The learn stage, which embeds votes' prompts itself: `embedder.kind: given` is refused.
    public func learnStage() throws -> LearnStage {
        let database = try databaseSettings()
        guard let choice = configuration.embedder else { throw LearningError.needsEmbedder }
        let embedder = try choice.load(modelDirectory: configuration.modelDirectory, batchSize: Self.embeddingBatch,
                                                    precision: configuration.encoderPrecision)
        return LearnStage(configuration: configuration, embedder: embedder, database: database, shutdown: shutdown, metrics: metrics,
                          log: stageLog("learn"))
    }

    public func ledgerStage() throws -> LedgerStage {
        LedgerStage(configuration: configuration, database: try databaseSettings(), shutdown: shutdown, metrics: metrics,
                    log: stageLog("ledger"))
    }

    private func followingPrices(for stages: [RouteStage]) throws -> PriceFollower {
        let follower = PriceFollower(stages: stages, configuration: configuration, database: try databaseSettings(), shutdown: shutdown,
                                     metrics: metrics, log: stageLog("prices"))
        follower.readBook()
        return follower
    }

    private func followedMemory() throws -> (FollowedMemory, (any Embedder)?) {
        let embedder = try configuration.embedder?.load(modelDirectory: configuration.modelDirectory, batchSize: Self.embeddingBatch,
                                                    precision: configuration.encoderPrecision)
        let connection = try PostgresConnection(try databaseSettings())
        return (try FollowedMemory.load(configuration: configuration, connection: connection, embedder: embedder), embedder)
    }

    private func routeStageOverDirectory() throws -> RouteStage {
        let (snapshot, embedder) = try routerOverDirectory()
        return routeStage(snapshot: snapshot, embedder: embedder)
    }

    /// The router over the memory directory named by `memory`, within `memory_limits`.
    private func routerOverDirectory() throws -> (snapshot: RouterSnapshot, embedder: (any Embedder)?) {
        let directory = try MemoryDirectory.open(URL(fileURLWithPath: configuration.memoryPath))
        let routing = try directory.load().routed(by: configuration).routingMemory(tierCount: configuration.routing.tiers)
        let embedder = try memoryEmbedder(routing.embedder)
        let ratingsVersion = "memory-\(directory.manifest.battleCount)-\(directory.manifest.updated)"
        let snapshot = try RouterSnapshot(memory: routing.memory, tierOfModel: routing.tierOfModel, configuration: configuration,
                                          ratingsVersion: ratingsVersion,
                                          storedSharpness: directory.manifest.storedSharpness(tierCount: configuration.routing.tiers))
        log(.info, "router ready", ["battles": routing.memory.count, "models": routing.memory.models.count,
                                    "candidates": snapshot.candidates.joined(separator: ","), "threshold": snapshot.threshold,
                                    "kernel_sharpness": snapshot.ranker.sharpness, "embedder": embedder?.identity.description ?? "given"])
        reportChoice(of: snapshot, storedIn: "the memory's manifest")
        return (snapshot, embedder)
    }

    /// Tells of a kernel sharpness chosen at load: `auto`, and no choice stored for the memory.
    private func reportChoice(of snapshot: RouterSnapshot, storedIn place: String) {
        guard let selection = snapshot.sharpnessSelection else { return }
        log(.info, "kernel sharpness chosen on the memory at load: \(place) holds none for it", ["choice": selection.summary])
    }

    /// The configured embedder, which must be the one the memory's vectors came from.
    private func memoryEmbedder(_ memory: EmbedderIdentity) throws -> (any Embedder)? {
        guard let choice = configuration.embedder else { return nil }
        let embedder = try choice.load(modelDirectory: configuration.modelDirectory, batchSize: Self.embeddingBatch,
                                                    precision: configuration.encoderPrecision)
        guard embedder.identity == memory else {
            throw StageAssemblyError.embedderMismatch(memory: memory, configured: embedder.identity)
        }
        return embedder
    }

    private func databaseSettings() throws -> PostgresSettings {
        try database ?? configuration.databaseSettings()
    }

    private func stageLog(_ component: String) -> StageLog {
        StageLog(component: component, minimumLevel: log.minimumLevel)
    }
}
