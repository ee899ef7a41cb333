import BattleStore
import Embeddings
import Foundation
import Kafka
import Pipeline
import Postgres

/// `routeledger run`: the long-running stages, configured by one JSON file and the environment.
enum RunCommand: Command {
    static let name = "run"
    static let summary = "run the pipeline stages: Kafka in, decisions out"
    static let discussion = """
        Reads the configuration (--config, then ROUTELEDGER_* / KAFKA_BOOTSTRAP_SERVERS overrides;
        see docs/CONFIGURATION.md and ops/routeledger.example.json), loads the battle memory,
        and routes query events until SIGINT or SIGTERM, when it finishes the batch in hand,
        commits and exits 0. An invalid configuration is refused with every problem listed.
        The learn stage stores votes as battles in PostgreSQL (database.url) and refits ratings
        and tiers; with memory "database", routers load the battles from PostgreSQL and follow
        what the learn stage adds without a restart (docs/LEARNING.md).
        With --embedded-broker it first starts a Kafka-protocol broker in this process, with
        every configured topic, and uses it (for trying RouteLedger out; see README).
        With budget.enabled, the route stage adjusts its threshold online to hold a strong
        share or a spend rate, recording every change on topics.thresholds (docs/OPERATIONS.md).
        Serves /metrics, /healthz and /readyz on --metrics-port (docs/OPERATIONS.md).
        """
    static let options: [Option] = [
        .value("config", "FILE", "Configuration file (JSON). Without it, settings come from the environment only."),
        .value("metrics-port", "PORT", "Port of the metrics endpoint (default 9464; 0 turns it off)."),
        .value("metrics-host", "ADDRESS", "Address the metrics endpoint listens on (default \(MetricsServer.defaultHost), this host only; 0.0.0.0 for every interface)."),
        .value("stages", "LIST", "Comma-separated stages to run, from: \(availableStages.joined(separator: ", ")) (default: all)."),
        .flag("embedded-broker", "Start a Kafka-protocol broker in this process and use it."),
        .value("partitions", "N", "Partitions of each topic on the embedded broker (default 3)."),
    ]

    static let availableStages = ["route", "learn", "ledger"]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let stageNames = try arguments.string("stages").map { list in
            let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if names.allSatisfy(\.isEmpty) {
                throw UsageError("option '--stages' names no stage (stages: \(availableStages.joined(separator: ", ")))")
            }
            if let unknown = names.first(where: { !availableStages.contains($0) }) {
                throw UsageError("unknown stage '\(unknown)' in --stages (stages: \(availableStages.joined(separator: ", ")))")
            }
            return names
        } ?? availableStages
        let metricsPort = try arguments.int("metrics-port", range: 0...65_535) ?? 9_464
        let partitions = try arguments.int("partitions", range: 1...1_000) ?? 3
        if arguments.string("partitions") != nil && !arguments.flag("embedded-broker") {
            throw UsageError("option '--partitions' applies to --embedded-broker only")
        }
        let log = StageLog(component: "run")
        var configuration = try ConfigurationOption.load(arguments.string("config"))
        do {
            try configuration.validateKafkaClients()
        } catch {
            throw CommandFailure(error.description)
        }
        log(.info, BLASKernel.description)

        var broker: EmbeddedBroker?
        if arguments.flag("embedded-broker") {
            let started = try EmbeddedBroker(partitions: partitions, topics: topics(of: configuration))
            configuration.kafka.bootstrapServers = started.bootstrapServers
            configuration.kafka.producerProperties.merge(EmbeddedBroker.producerProperties.entries.map { ($0.key, $0.value) }) { current, _ in current }
            log(.info, "embedded broker started", ["bootstrap": started.bootstrapServers, "partitions": partitions])
            broker = started
        }

        let shutdown = ShutdownSignal()
        let metrics = MetricsRegistry()
        var stages: [any PipelineStage] = []
        if stageNames.contains("route") {
            if configuration.memoryIsDatabase {
                let (stage, follower) = try followingRouteStage(configuration, database: try databaseSettings(configuration),
                                                                shutdown: shutdown, metrics: metrics, log: log)
                stages += [stage, follower] as [any PipelineStage]
            } else {
                stages.append(try routeStage(configuration, shutdown: shutdown, metrics: metrics, log: log))
            }
        }
        if stageNames.contains("learn") {
            stages.append(try learnStage(configuration, database: try databaseSettings(configuration), shutdown: shutdown, metrics: metrics))
        }
        if stageNames.contains("ledger") {
            stages.append(LedgerStage(configuration: configuration, database: try databaseSettings(configuration), shutdown: shutdown,
                                      metrics: metrics))
        }
        var server: MetricsServer?
        if metricsPort != 0 {
            let running = stages
            let host = arguments.string("metrics-host") ?? MetricsServer.defaultHost
            server = try MetricsServer(host: host, port: metricsPort, registry: metrics, isReady: { running.allSatisfy(\.isConsuming) })
            log(.info, "metrics endpoint listening", ["host": host, "port": metricsPort])
        }
        defer { server?.stop() }
        // The embedded broker lives as long as the stages run.
        try withExtendedLifetime(broker) { try runStages(stages, shutdown: shutdown) }
        return 0
    }

    /// The route stage over the configured battle memory.
    private static func routeStage(_ configuration: RouteLedgerConfiguration, shutdown: ShutdownSignal, metrics: MetricsRegistry,
                                   log: StageLog) throws -> RouteStage {
        let directory = try MemoryDirectory.open(URL(fileURLWithPath: configuration.memoryPath))
        let loaded = try directory.load()
        let kept = Set(configuration.memoryLimits.keptBattles(times: loaded.battles.map { BattleTime.seconds($0.time) },
                                                              sources: loaded.battles.map(\.source)))
        let routing = try loaded.routingMemory(tierCount: configuration.routing.tiers, including: kept.contains)
        let embedder = try loadEmbedder(configuration, memoryEmbedder: routing.embedder)
        let ratingsVersion = "memory-\(directory.manifest.battleCount)-\(directory.manifest.updated)"
        let snapshot: RouterSnapshot
        do {
            snapshot = try RouterSnapshot(memory: routing.memory, tierOfModel: routing.tierOfModel, configuration: configuration,
                                          ratingsVersion: ratingsVersion)
        } catch {
            throw CommandFailure(error.description)
        }
        log(.info, "router ready", ["battles": routing.memory.count, "models": routing.memory.models.count,
                                    "candidates": snapshot.candidates.joined(separator: ","), "threshold": snapshot.threshold,
                                    "embedder": embedder?.identity.description ?? "given"])
        return RouteStage(configuration: configuration, embedder: embedder, snapshot: snapshot, shutdown: shutdown, metrics: metrics)
    }

    /// The route stage over the battles table, and the follower that keeps it current.
    static func followingRouteStage(_ configuration: RouteLedgerConfiguration, database: PostgresSettings, shutdown: ShutdownSignal,
                                    metrics: MetricsRegistry, log: StageLog) throws -> (stage: RouteStage, follower: RouterFollower) {
        let embedder = try configuration.embedder?.load(modelDirectory: configuration.modelDirectory, batchSize: 32)
        let followed: FollowedMemory
        do {
            followed = try FollowedMemory.load(configuration: configuration, connection: try PostgresConnection(database), embedder: embedder)
        } catch let error as LearningError {
            throw CommandFailure(error.description)
        } catch let error as RouterSetupError {
            throw CommandFailure(error.description)
        }
        let snapshot = followed.snapshot
        log(.info, "router ready", ["battles": followed.battles, "ratings_version": followed.version.label,
                                    "candidates": snapshot.candidates.joined(separator: ","), "threshold": snapshot.threshold,
                                    "embedder": embedder?.identity.description ?? "given"])
        let stage = RouteStage(configuration: configuration, embedder: embedder, snapshot: snapshot, shutdown: shutdown, metrics: metrics)
        let follower = RouterFollower(followed, stages: [stage], configuration: configuration, database: database, shutdown: shutdown,
                                      metrics: metrics)
        return (stage, follower)
    }

    /// The learn stage, which embeds votes' prompts with the configured embedder.
    static func learnStage(_ configuration: RouteLedgerConfiguration, database: PostgresSettings, shutdown: ShutdownSignal,
                           metrics: MetricsRegistry) throws -> LearnStage {
        guard let choice = configuration.embedder else { throw LearningError.needsEmbedder }
        let embedder = try choice.load(modelDirectory: configuration.modelDirectory, batchSize: 32)
        return LearnStage(configuration: configuration, embedder: embedder, database: database, shutdown: shutdown, metrics: metrics)
    }

    /// `database.url`, else the PG* environment variables.
    static func databaseSettings(_ configuration: RouteLedgerConfiguration) throws -> PostgresSettings {
        guard let url = configuration.databaseURL else { return PostgresSettings() }
        do {
            return try PostgresSettings(url)
        } catch let error as PostgresError {
            throw CommandFailure("database.url: \(error.message)")
        }
    }

    /// Every topic the configuration names, for the embedded broker to create.
    static func topics(of configuration: RouteLedgerConfiguration) -> [String] {
        configuration.namedTopics.map(\.name) + configuration.routedModels.map(configuration.topics.route(for:))
    }

    /// The configured embedder, which must be the one the memory's vectors came from.
    private static func loadEmbedder(_ configuration: RouteLedgerConfiguration, memoryEmbedder: EmbedderIdentity) throws -> (any Embedder)? {
        guard let choice = configuration.embedder else { return nil }
        let embedder = try choice.load(modelDirectory: configuration.modelDirectory, batchSize: 32)
        guard embedder.identity == memoryEmbedder else {
            throw CommandFailure("the memory's embeddings come from \(memoryEmbedder), but the configured embedder is \(embedder.identity): "
                                 + "queries and battles must be embedded alike (re-import the memory, or set embedder.kind)")
        }
        return embedder
    }
}
