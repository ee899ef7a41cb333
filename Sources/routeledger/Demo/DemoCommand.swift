import BattleStore
import Embeddings
import Foundation
import Kafka
import Ledger
import Pipeline
import Postgres
import Ranking

/// `routeledger demo`: the whole pipeline on one machine with nothing to install beyond
/// ops/setup.sh — a private PostgreSQL cluster, an embedded Kafka-protocol broker, a battle memory
/// with a known ground truth, the route, learn and ledger stages, simulated LLM workers that report
/// usage, users who vote, and some malformed events — ending with what routing cost and saved,
/// whether it followed the ground truth, and the cost-quality plot.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "run RouteLedger end to end on a synthetic workload (private PostgreSQL, embedded broker)"
    static let discussion = """
        By default everything runs on SYNTHETIC data (see SyntheticWorkload.swift): six topics of
        prompts, each with a known probability that the strong model beats the weak one. With
        --data DIR it takes RouteLLM's MMLU answers from DIR/routellm-mmlu/responses instead
        (the layout of ../shared/data): --battles questions become battles, the next --queries
        the query stream, and quality is MMLU accuracy.
        Starts a private PostgreSQL cluster in --workdir (ops/pg-cluster.sh, socket only) and an
        embedded broker, stores the battles in PostgreSQL, runs the route stage (following the
        database), the learn stage and the ledger stage, replays the queries (every 50th
        malformed, to show the dead-letter topic), lets simulated LLM workers answer every routed
        query with a usage report and users vote on one answer in ten (every 20th vote
        malformed), waits until the router holds every vote and the ledger every decision with
        its usage, prints the audit summary from the ledger, writes the cost-quality plot (SVG) and stops everything it started.
        """
    static let options: [Option] = EmbedderChoice.options + [
        .value("battles", "N", "Battles in the memory (default 3000)."),
        .value("queries", "N", "Query events to replay (default 2000)."),
        .value("strong-share", "S", "Share of traffic calibrated to go to the strong model (default 0.4)."),
        .value("data", "DIR", "Use RouteLLM's MMLU answers under DIR/routellm-mmlu instead of the synthetic workload."),
        .value("workdir", "DIR", "Where the database and the plot are written (default: a new temporary folder)."),
        .value("plot", "FILE", "Where the cost-quality plot goes (default WORKDIR/cost-quality.svg)."),
        .value("seed", "N", "Seed of the workload (default 1)."),
        .flag("json", "Print the summary as one JSON object."),
    ]

    static let strongModel = "gpt-4-1106-preview"
    static let weakModel = "mixtral-8x7b-instruct-v0.1"

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let battleCount = try arguments.int("battles", range: 10...1_000_000) ?? 3_000
        let queryCount = try arguments.int("queries", range: 1...1_000_000) ?? 2_000
        let share = try arguments.double("strong-share", range: 0...1) ?? 0.4
        let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1)
        let choice = try EmbedderChoice.parse(arguments)
        let workdir = arguments.string("workdir").map(URL.init(fileURLWithPath:))
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("routeledger-demo-\(UUID().uuidString.prefix(8))")
        let plotURL = arguments.string("plot").map(URL.init(fileURLWithPath:)) ?? workdir.appendingPathComponent("cost-quality.svg")
        // The stages' own logs would bury the progress line: warnings only, unless asked otherwise.
        setenv(StageLog.levelVariable, "warning", 0)
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)

        let source = try arguments.string("data").map {
            try DemoSource.mmlu(directory: URL(fileURLWithPath: $0), battles: battleCount, queries: queryCount, seed: seed)
        } ?? DemoSource.synthetic(battles: battleCount, queries: queryCount, seed: seed)
        printStandardError("data: \(source.description)\n\(BLASKernel.description)\n")
        let embedder = try choice.load(arguments, batchSize: 32)

        printStandardError("starting a private PostgreSQL cluster in \(workdir.appendingPathComponent("postgres").path)\n")
        let cluster = try PrivateCluster(directory: workdir.appendingPathComponent("postgres"))
        defer { cluster.stop() }
        let database = try PostgresSettings(cluster.url)
        let connection = try PostgresConnection(database)
        _ = try Migrator(roles: try SchemaRoles()).migrate(connection)
        let version = try storeBattles(source.battles, embedder: embedder, on: connection)
        printStandardError("battle memory: \(source.battles.count) battles in PostgreSQL, \(version.label)\n")

        var configuration = RouteLedgerConfiguration()
        configuration.models = [
            .init(name: strongModel, price: TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
            .init(name: weakModel, price: TokenPrice(inputPerMillion: MicroUSD(dollars: "0.24")!, outputPerMillion: MicroUSD(dollars: "0.24")!)),
        ]
        configuration.routing.strong = strongModel
        configuration.routing.cheaper = [weakModel]
        configuration.routing.threshold = .strongShare(share)
        configuration.routing.tiers = 2
        configuration.memoryPath = RouteLedgerConfiguration.databaseMemory
        configuration.databaseURL = cluster.url
        configuration.embedder = choice.rawValue
        configuration.batch.maxEvents = 64
        configuration.learning.followIntervalMilliseconds = 250
        // Refits often enough that a short run shows the ratings move with the votes.
        configuration.learning.refitEveryVotes = 20
        let broker = try EmbeddedBroker(partitions: 3, topics: RunCommand.topics(of: configuration))
        configuration.kafka.bootstrapServers = broker.bootstrapServers
        configuration.kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"]
        configuration.kafka.producerProperties = Dictionary(uniqueKeysWithValues: EmbeddedBroker.producerProperties.entries.map { ($0.key, $0.value) })
        printStandardError("embedded broker at \(broker.bootstrapServers)\n")

        let shutdown = ShutdownSignal(signals: [])
        let metrics = MetricsRegistry()
        let (route, follower) = try RunCommand.followingRouteStage(configuration, database: database, shutdown: shutdown, metrics: metrics,
                                                                   log: StageLog(component: "demo"))
        printStandardError(String(format: "router ready: threshold %.4f calibrated for a %.0f %% strong share\n",
                                  route.snapshotInUse.threshold, share * 100))
        let learn = try RunCommand.learnStage(configuration, database: database, shutdown: shutdown, metrics: metrics)
        let ledger = LedgerStage(configuration: configuration, database: database, shutdown: shutdown, metrics: metrics)
        let stages: [any PipelineStage] = [route, follower, learn, ledger]
        let stagesDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { try runStages(stages, shutdown: shutdown) } catch { printStandardError("a stage failed: \(error)\n") }
            stagesDone.signal()
        }
        defer {
            shutdown.request(reason: "demo over")
            stagesDone.wait()
        }

        let malformed = try replay(source.queries, configuration: configuration)
        let queries = Dictionary(uniqueKeysWithValues: source.queries.enumerated().filter { !malformed.contains($0.offset) }.map { ($1.id, $1) })
        let outcome = try DemoWorkers(configuration: configuration, queries: queries)
            .answerAll(progress: ProgressBar(label: "routing and answering", unit: "queries"))
        try waitUntil("the learn stage takes in every vote", done: {
            let counters = learn.counters.snapshot()
            return counters.stored + counters.rejected.values.reduce(0, +)
        }, total: outcome.votes + outcome.malformedVotes)
        try waitUntil("the router holds every vote", done: { route.snapshotInUse.ranker.memory.count - source.battles.count },
                      total: outcome.votes)
        try waitUntil("the ledger holds every decision and its usage", done: {
            Int(try AuditQuery().run(on: connection).total.requestsWithUsage)
        }, total: outcome.usage.count)

        let summary = DemoSummary(source: source, configuration: configuration, queries: queries, outcome: outcome,
                                  deadLetters: route.counters.snapshot().rejected.values.reduce(0, +),
                                  voteDeadLetters: learn.counters.snapshot().rejected.values.reduce(0, +),
                                  router: route.snapshotInUse, audit: try AuditQuery().run(on: connection).total, plot: plotURL)
        try summary.writePlot()
        summary.print(json: arguments.flag("json"))
        return 0
    }

    /// Embeds the battles' prompts (with a progress bar) and stores them with a first ratings version.
    private static func storeBattles(_ battles: [NewBattle], embedder: any Embedder, on connection: PostgresConnection) throws -> RatingsVersion {
        let progress = ProgressBar(label: "embedding the battles", unit: "battles")
        var embeddings: [Float] = []
        embeddings.reserveCapacity(battles.count * embedder.dimension)
        for start in stride(from: 0, to: battles.count, by: 256) {
            let end = min(start + 256, battles.count)
            embeddings += try embedder.embed(battles[start..<end].map(\.prompt)).values
            progress.update(done: end, total: battles.count)
        }
        return try DatabaseImport.append(battles, embeddings: embeddings, embedder: embedder.identity, tierCount: 2,
                                         rounds: RouteLedgerConfiguration().learning.bootstrapRounds, on: connection)
    }

    /// Produces the query events, every 50th malformed (an empty prompt); returns the indices of
    /// the malformed ones.
    private static func replay(_ queries: [DemoQuery], configuration: RouteLedgerConfiguration) throws -> Set<Int> {
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers)
        producerConfiguration.properties = EmbeddedBroker.producerProperties
        let producer = try KafkaProducer(configuration: producerConfiguration)
        let createdAt = ISO8601DateFormatter().string(from: Date())
        var malformed = Set<Int>()
        for (index, query) in queries.enumerated() {
            var event: [String: Any] = ["schema": "routeledger.query.v1", "id": query.id, "tenant": query.tenant, "created_at": createdAt,
                                        "prompt": query.prompt, "max_output_tokens": query.outputTokens * 2,
                                        "metadata": ["demo_group": query.group]]
            if index % 50 == 49 {
                event["prompt"] = ""
                malformed.insert(index)
            }
            try producer.send(topic: configuration.topics.queries, key: Data(query.tenant.utf8),
                              value: try JSONSerialization.data(withJSONObject: event))
        }
        try producer.flush(timeout: .seconds(120)).requireDelivered()
        return malformed
    }

    /// Waits, with a progress line, until `done()` reaches `total`; fails after 120 s without progress.
    static func waitUntil(_ what: String, done: () throws -> Int, total: Int) throws {
        let progress = ProgressBar(label: "waiting until \(what)", unit: "records")
        var last = try done()
        var lastMoved = ContinuousClock.now
        while last < total {
            progress.update(done: last, total: total)
            Thread.sleep(forTimeInterval: 0.1)
            let current = try done()
            if current != last {
                last = current
                lastMoved = ContinuousClock.now
            } else if ContinuousClock.now - lastMoved > .seconds(120) {
                throw CommandFailure("\(what): \(last) of \(total), and no progress for 120 s")
            }
        }
        progress.update(done: total, total: total)
    }
}
