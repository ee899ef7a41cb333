import Embeddings
import Foundation
import Kafka
import Ledger
import Pipeline
import Postgres
import Ranking
import Streams

/// Everything `routeledger demo` and `routeledger soak` run on: a private PostgreSQL cluster in
/// the work folder holding the battle memory, an embedded broker, and every stage — the route
/// stage following the database, the learn stage and the ledger stage — on threads of their own.
final class PipelineSandbox {
    static let strongModel = "gpt-4-1106-preview"
    static let weakModel = "mixtral-8x7b-instruct-v0.1"

    let configuration: RouteLedgerConfiguration
    let connection: PostgresConnection
    let metrics = MetricsRegistry()
    let route: RouteStage
    let learn: LearnStage
    let ledger: LedgerStage
    let battles: Int
    private let cluster: PrivateCluster
    private let broker: EmbeddedBroker
    private let shutdown = ShutdownSignal(signals: [])
    private let stagesDone = DispatchSemaphore(value: 0)

    /// Starts the cluster, stores `battles` (embedded by `embedder`) as the memory, starts the
    /// broker and the stages. `refitEveryVotes` keeps the ratings moving in a short run.
    init(workdir: URL, battles: [LabelledBattle], embedder choice: EmbedderChoice, embedder: any Embedder, strongShare: Double,
         refitEveryVotes: Int, maxBattles: Int? = nil) throws {
        printStandardError("starting a private PostgreSQL cluster in \(workdir.appendingPathComponent("postgres").path)\n")
        cluster = try PrivateCluster(directory: workdir.appendingPathComponent("postgres"))
        do {
            let database = try PostgresSettings(cluster.url)
            connection = try PostgresConnection(database)
            _ = try Migrator(roles: try SchemaRoles()).migrate(connection)
            let version = try Self.store(battles, embedder: embedder, on: connection)
            self.battles = battles.count
            printStandardError("battle memory: \(battles.count) battles in PostgreSQL, \(version.label)\n")

            var configuration = RouteLedgerConfiguration()
            configuration.models = [
                .init(name: Self.strongModel, price: TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
                .init(name: Self.weakModel, price: TokenPrice(inputPerMillion: MicroUSD(dollars: "0.24")!, outputPerMillion: MicroUSD(dollars: "0.24")!)),
            ]
            configuration.routing.strong = Self.strongModel
            configuration.routing.cheaper = [Self.weakModel]
            configuration.routing.threshold = .strongShare(strongShare)
            configuration.routing.tiers = 2
            configuration.memoryPath = RouteLedgerConfiguration.databaseMemory
            configuration.databaseURL = cluster.url
            configuration.embedder = choice
            configuration.encoderPrecision = (embedder as? MiniLMEmbedder)?.precision ?? .float
            configuration.batch.maxEvents = 64
            configuration.learning.followIntervalMilliseconds = 250
            configuration.learning.refitEveryVotes = refitEveryVotes
            configuration.memoryLimits.maxBattles = maxBattles
            broker = try EmbeddedBroker(partitions: 3, topics: configuration.allTopics)
            configuration.use(broker)
            configuration.kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"]
            self.configuration = configuration
            printStandardError("embedded broker at \(broker.bootstrapServers)\n")

            let assembly = StageAssembly(configuration: configuration, database: database, shutdown: shutdown, metrics: metrics,
                                         log: StageLog(component: "sandbox"))
            let (route, follower, prices) = try assembly.followingRouteStage()
            printStandardError(String(format: "router ready: threshold %.4f calibrated for a %.0f %% strong share\n",
                                      route.snapshotInUse.threshold, strongShare * 100))
            self.route = route
            learn = try assembly.learnStage()
            ledger = try assembly.ledgerStage()
            let stages: [any PipelineStage] = [route, follower, prices, learn, ledger]
            let (shutdown, stagesDone) = (shutdown, stagesDone)
            Thread.detachNewThread {
                do { try runStages(stages, shutdown: shutdown) } catch { printStandardError("a stage failed: \(error)\n") }
                stagesDone.signal()
            }
        } catch {
            cluster.stop()
            throw error
        }
    }

    /// `--workdir`, or a new temporary folder; created. The stages' own logs would bury the
    /// progress line, so they log warnings only unless ROUTELEDGER_LOG_LEVEL says otherwise.
    static func workFolder(_ arguments: ParsedArguments, name: String) throws -> URL {
        let workdir = arguments.string("workdir").map(URL.init(fileURLWithPath:))
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("routeledger-\(name)-\(UUID().uuidString.prefix(8))")
        setenv(StageLog.levelVariable, "warning", 0)
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        return workdir
    }

    /// Waits, with a progress line, until `done()` reaches `total`; fails after 120 s without progress.
    func waitUntil(_ what: String, done: () throws -> Int, total: Int) throws {
        let progress = ProgressBar(label: "waiting until \(what)", unit: "records")
        let reached = try Polling.whileProgressing(to: total, stallTimeout: .seconds(120), interval: .milliseconds(100), done) {
            progress.update(done: $0, total: total)
        }
        guard reached >= total else { throw CommandFailure("\(what): \(reached) of \(total), and no progress for 120 s") }
        progress.update(done: total, total: total)
    }

    /// Waits until the ledger has priced `usageReports` decisions with their usage.
    func waitForTheLedger(usageReports: Int) throws {
        try waitUntil("the ledger holds every decision and its usage", done: {
            Int(try AuditQuery().run(on: connection).total.requestsWithUsage)
        }, total: usageReports)
    }

    /// Stops the stages (each finishes its batch and commits), then the cluster.
    func stop() {
        shutdown.request(reason: "over")
        stagesDone.wait()
        cluster.stop()
    }

    /// Embeds the battles' prompts (with a progress bar) and stores them with a first ratings version.
    private static func store(_ battles: [LabelledBattle], embedder: any Embedder, on connection: PostgresConnection) throws -> RatingsVersion {
        let progress = ProgressBar(label: "embedding the battles' prompts", unit: "prompts")
        return try DatabaseImport.embedAndAppend(battles, embedder: embedder, batchSize: 256, tierCount: 2,
                                                 rounds: RouteLedgerConfiguration().learning.bootstrapRounds, on: connection,
                                                 progress: { progress.update(done: $0, total: $1) })
    }

    /// Produces the query events, every 50th malformed (an empty prompt) counting from
    /// `firstIndex`; returns the good ones by id.
    func replay(_ queries: [DemoQuery], firstIndex: Int = 0) throws -> [String: DemoQuery] {
        let producer = try KafkaProducer(configuration: configuration.kafkaProducer())
        let createdAt = ISO8601DateFormatter().string(from: Date())
        var good: [String: DemoQuery] = [:]
        for (index, query) in queries.enumerated() {
            var event: [String: Any] = ["schema": "routeledger.query.v1", "id": query.id, "tenant": query.tenant, "created_at": createdAt,
                                        "prompt": query.prompt, "max_output_tokens": query.outputTokens * 2,
                                        "metadata": ["demo_group": query.group]]
            if (firstIndex + index) % 50 == 49 {
                event["prompt"] = ""
            } else {
                good[query.id] = query
            }
            try producer.send(topic: configuration.topics.queries, key: Data(query.tenant.utf8),
                              value: try JSONSerialization.data(withJSONObject: event))
        }
        try producer.flush(timeout: .seconds(120)).requireDelivered()
        return good
    }
}
