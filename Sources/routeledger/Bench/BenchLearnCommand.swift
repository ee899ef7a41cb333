import BattleStore
import Embeddings
import Foundation
import Kafka
import Ledger
import Pipeline
import Postgres
import Ranking
import Streams
import Synchronization

/// `routeledger bench learn`: how routing drifts under votes, how many votes per second the
/// learn stage stores, and how long a vote takes to change a routing decision.
enum BenchLearnCommand: Command {
    static let name = "learn"
    static let summary = "time learning: routing drift under votes, votes per second, vote-to-decision latency"
    static let discussion = """
        Runs the learn stage and a route stage that follows it in this process, on an embedded
        broker and on scratch databases it creates on the server of --database (migrated, and
        dropped at the end; this needs CREATEDB and CREATEROLE, which the private cluster's
        superuser has). Three parts:
        1. Drift: a memory of --drift-battles battles on two of the demo's synthetic topics, drawn
           from their known truth: a fifth on 'proofs' (the strong model wins 90 % of decided
           battles), the rest on 'code' (80 %). --queries-per-topic queries of each topic are
           routed (fixed threshold 0.5); then --drift-votes votes in which the weak model wins on
           'proofs' stream in, in --drift-steps steps, and after each step as many new queries per
           topic are routed again by the same, never restarted, router. Prints each topic's strong
           share and mean strong win rate after 0, 1, … steps, and the seconds from the first vote
           to a router holding all of them.
        2. Throughput: --votes votes on distinct prompts are produced at once; votes per second
           from the first produced to the last stored, beside the embedder alone on the same
           prompts in the same process (the ratio is the learn stage's overhead).
        3. Latency: on a memory of --battles synthetic battles (random unit vectors standing in
           for embedded prompts), with queries flowing at about 50 a second, --probes votes one
           at a time at random moments: the time from producing a vote to the first decision
           routed with it (a decision's memory_battles counts it), p50 and p99, and to its being
           stored and taken in by the router; the router's swap time beside a full rebuild of the
           snapshot; and the time to load the memory from PostgreSQL at start.
        The embedded broker answers a consumer's fetch only after fetch.wait.max.ms when no record
        is waiting, where a Kafka broker answers as soon as one arrives; a lower --fetch-wait-ms
        shows the latency a real broker would give (at the cost of more idle fetches).
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("embedder", "minilm|hashing", "Embedder of votes and queries (default minilm)."),
        .value("model-dir", "DIR", "all-MiniLM-L6-v2 folder (default: see README)."),
        .value("drift-battles", "N", "Battles of the drift memory (default 3000)."),
        .value("drift-votes", "N", "Votes for the weak model on 'proofs' (default 1200)."),
        .value("drift-steps", "N", "Steps the drift votes come in, each followed by routing again (default 4)."),
        .value("queries-per-topic", "N", "Queries per topic routed before and after the drift votes (default 50)."),
        .value("votes", "N", "Votes timed for throughput (default 2000)."),
        .value("battles", "N", "Synthetic memory size for the latency part (default 110000)."),
        .value("probes", "N", "Votes timed one at a time for latency (default 40)."),
        .value("follow-interval-ms", "MS", "learning.follow_interval_ms of the router (default 1000)."),
        .value("fetch-wait-ms", "MS", "Consumers' fetch.wait.max.ms (default 500, librdkafka's; see the discussion)."),
        .flag("json", "Print one JSON object instead of text."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let choice = try EmbedderChoice.parse(arguments)
        let driftBattles = try arguments.int("drift-battles", range: 10...1_000_000) ?? 3_000
        let driftVotes = try arguments.int("drift-votes", range: 1...1_000_000) ?? 1_200
        let driftSteps = try arguments.int("drift-steps", range: 1...100) ?? 4
        guard driftSteps <= driftVotes else { throw UsageError("option '--drift-steps' must not exceed --drift-votes") }
        let perTopic = try arguments.int("queries-per-topic", range: 1...100_000) ?? 50
        let votes = try arguments.int("votes", range: 1...1_000_000) ?? 2_000
        let battles = try arguments.int("battles", range: 10...10_000_000) ?? 110_000
        let probes = try arguments.int("probes", range: 1...10_000) ?? 40
        let interval = try arguments.int("follow-interval-ms", range: 0...60_000) ?? 1_000
        let fetchWait = try arguments.int("fetch-wait-ms", range: 1...60_000) ?? 500
        let json = arguments.flag("json")
        let server = try DatabaseOption.settings(arguments)
        printStandardError("\(BLASKernel.description)\n")
        let embedder = try choice.load(arguments, batchSize: 32)
        var setup = LearningBenchSetup(choice: choice, modelDirectory: arguments.string("model-dir"), followInterval: interval,
                                       fetchWait: fetchWait)

        var figures: [(String, Any)] = [("embedder", choice.rawValue), ("follow_interval_ms", interval), ("fetch_wait_ms", fetchWait)]
        try BenchHarness.withScratchDatabase(on: server) { database in
            var workload = SyntheticWorkload(seed: 11)
            let seed = (0..<driftBattles).map { index -> LabelledBattle in
                let topic = index % 5 == 0 ? driftTopic : steadyTopic
                return LabelledBattle(prompt: workload.prompt(in: topic), modelA: "strong", modelB: "weak", winner: workload.outcome(in: topic),
                                 source: "synthetic", foughtAt: nil)
            }
            printStandardError("drift: embedding and importing \(seed.count) battles\n")
            _ = try DatabaseImport.embedAndAppend(seed, embedder: embedder, batchSize: 64, tierCount: 10,
                                                  rounds: RouteLedgerConfiguration().learning.bootstrapRounds, on: try PostgresConnection(database))
            let run = try LearningRun(setup.configuration(strong: "strong", weak: "weak"), database: database)
            defer { run.stop() }
            figures += try drift(run, workload: &workload, perTopic: perTopic, votes: driftVotes, steps: driftSteps, memory: driftBattles)
            figures += try throughput(run, workload: &workload, votes: votes, embedder: embedder)
        }
        try BenchHarness.withScratchDatabase(on: server) { database in
            printStandardError("latency: importing \(battles) synthetic battles\n")
            let shape = SyntheticShape(battles: battles, dimension: embedder.dimension, models: 20, tiers: 10, queries: 1, seed: 1)
            let (memory, _) = shape.make()
            let synthetic = (0..<memory.count).map { index in
                LabelledBattle(prompt: "synthetic battle \(index)", modelA: memory.models[Int(memory.modelA[index])],
                          modelB: memory.models[Int(memory.modelB[index])], winner: memory.outcomes[index], source: "synthetic", foughtAt: nil)
            }
            try importBattles(synthetic, embeddings: (0..<memory.count).flatMap { memory.embedding(ofBattle: $0) }, embedder: embedder.identity, into: database)
            setup.refitEveryVotes = probes + 1
            let configuration = setup.configuration(strong: memory.models[0], weak: memory.models[1])
            var started = ContinuousClock.now
            let loaded = try FollowedMemory.load(configuration: configuration, connection: try PostgresConnection(database), embedder: embedder)
            let loadSeconds = (ContinuousClock.now - started).seconds
            started = ContinuousClock.now
            _ = try RouterSnapshot(memory: loaded.snapshot.ranker.memory, tierOfModel: loaded.snapshot.ranker.tierOfModel,
                                   configuration: configuration, ratingsVersion: "rebuild")
            let rebuildSeconds = (ContinuousClock.now - started).seconds
            figures += [("memory_battles", memory.count), ("memory_load_seconds", loadSeconds),
                        ("memory_load_battles_per_second", Double(memory.count) / loadSeconds),
                        ("full_rebuild_seconds", rebuildSeconds)]
            let run = try LearningRun(configuration, database: database)
            defer { run.stop() }
            figures += try latency(run, probes: probes, interval: interval, rebuildSeconds: rebuildSeconds)
        }
        printFigures(figures, json: json)
        return 0
    }

    // MARK: - The three parts

    /// The drift part's topics: where the votes go, and where nothing changes.
    private static let driftTopic = SyntheticWorkload.topics[0]
    private static let steadyTopic = SyntheticWorkload.topics[1]

    private static func drift(_ run: LearningRun, workload: inout SyntheticWorkload, perTopic: Int, votes: Int, steps: Int,
                              memory: Int) throws -> [(String, Any)] {
        let topics = [driftTopic, steadyTopic]
        var streamed = [0]
        var strongShare: [String: [Double]] = [:]
        var winRate: [String: [Double]] = [:]
        func route(_ round: String) throws {
            var queries: [(String, String)] = []
            for topic in topics {
                for index in 0..<perTopic { queries.append(("\(round)-\(topic.name)-\(index)", workload.prompt(in: topic))) }
            }
            let decisions = try run.route(queries)
            for topic in topics {
                let mine = decisions.filter { $0.queryID.hasPrefix("\(round)-\(topic.name)-") }
                let rates = mine.map { $0.candidates.first { $0.model == "weak" }?.referenceWinRate ?? .nan }
                strongShare[topic.name, default: []].append(Double(mine.count { $0.model == "strong" }) / Double(mine.count))
                winRate[topic.name, default: []].append(rates.reduce(0, +) / Double(mine.count))
            }
        }
        printStandardError("drift: routing \(perTopic) queries per topic\n")
        try route("before")
        let started = ContinuousClock.now
        for step in 1...steps {
            let sent = streamed.last!
            let upTo = votes * step / steps
            printStandardError("drift: votes \(sent + 1)...\(upTo) for the weak model on '\(driftTopic.name)'\n")
            try run.send(run.configuration.topics.votes, (sent..<upTo).map { index in
                ("drift-\(index)", vote(id: "drift-\(index)", prompt: workload.prompt(in: driftTopic), a: "strong", b: "weak", winner: .modelB))
            })
            guard Polling.until(timeout: .seconds(3_600), { run.stage.snapshotInUse.ranker.memory.count >= memory + upTo })
            else { throw CommandFailure("the router did not take in \(upTo) drift votes within an hour") }
            streamed.append(upTo)
            try route("after-\(upTo)")
        }
        var figures: [(String, Any)] = [("drift_memory_battles", memory), ("drift_queries_per_topic", perTopic),
                                        ("drift_votes_streamed", streamed),
                                        ("drift_seconds_to_router", (ContinuousClock.now - started).seconds),
                                        ("drift_ratings_version", run.stage.snapshotInUse.ratingsVersion)]
        for topic in topics {
            figures += [("strong_share_\(topic.name)", strongShare[topic.name]!), ("strong_win_rate_\(topic.name)", winRate[topic.name]!)]
        }
        return figures
    }

    private static func throughput(_ run: LearningRun, workload: inout SyntheticWorkload, votes: Int,
                                   embedder: any Embedder) throws -> [(String, Any)] {
        let prompts = (0..<votes).map { index in "\(workload.prompt(in: workload.topic())) [\(index)]" }
        // The embedder alone, before and after, on the same prompts and batches: other work on
        // the machine slows either run, so the faster one is the baseline.
        func standaloneRate() throws -> Double {
            let started = ContinuousClock.now
            _ = try embed(prompts, with: embedder, batch: run.configuration.batch.maxEvents)
            return Double(votes) / (ContinuousClock.now - started).seconds
        }
        let standaloneBefore = try standaloneRate()
        printStandardError("throughput: \(votes) votes\n")
        let stored = run.learn.counters.snapshot().stored
        let started = ContinuousClock.now
        try run.send(run.configuration.topics.votes, prompts.enumerated().map { index, prompt in
            ("rate-\(index)", vote(id: "rate-\(index)", prompt: prompt, a: "strong", b: "weak", winner: .tie))
        })
        guard Polling.until(timeout: .seconds(3_600), { run.learn.counters.snapshot().stored >= stored + votes }) else {
            throw CommandFailure("the learn stage did not store the \(votes) votes within an hour")
        }
        let rate = Double(votes) / (ContinuousClock.now - started).seconds
        let standalone = max(standaloneBefore, try standaloneRate())
        return [("votes", votes), ("votes_per_second", rate), ("embedder_standalone_texts_per_second", standalone),
                ("ratio_to_standalone_embedder", rate / standalone)]
    }

    private static func latency(_ run: LearningRun, probes: Int, interval: Int, rebuildSeconds: Double) throws -> [(String, Any)] {
        let flowing = Atomic(true)
        let flow = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var index = 0
            while flowing.load(ordering: .acquiring) {
                try? run.send(run.configuration.topics.queries, [("flow-\(index)", query(id: "flow-\(index)", prompt: "a steady query \(index % 97)"))])
                index += 1
                Thread.sleep(forTimeInterval: 0.02)
            }
            flow.signal()
        }
        defer {
            flowing.store(false, ordering: .releasing)
            flow.wait()
        }
        // Probes start once the router's group has formed and decisions flow.
        guard run.watcher.firstDecision(within: .seconds(120), where: { _ in true }) != nil else {
            throw CommandFailure("no query was routed within 120 s")
        }
        var latencies: [Double] = []
        var stored: [Double] = []
        var swapped: [Double] = []
        for probe in 0..<probes {
            Thread.sleep(forTimeInterval: Double.random(in: 0...(Double(max(interval, 100)) / 1_000)))
            let battles = run.stage.snapshotInUse.ranker.memory.count
            let votesStored = run.learn.counters.snapshot().stored
            let sent = Date()
            try run.send(run.configuration.topics.votes, [("probe-\(probe)", vote(id: "probe-\(probe)", prompt: "probe vote number \(probe)",
                                                                               a: run.configuration.routing.strong,
                                                                               b: run.configuration.routing.cheaper[0], winner: .modelA))])
            guard Polling.until(timeout: .seconds(120), { run.learn.counters.snapshot().stored > votesStored }) else {
                throw CommandFailure("probe \(probe): the vote was not stored within 120 s")
            }
            stored.append(Date().timeIntervalSince(sent))
            guard Polling.until(timeout: .seconds(120), { run.stage.snapshotInUse.ranker.memory.count > battles }) else {
                throw CommandFailure("probe \(probe): the router did not take the vote in within 120 s")
            }
            swapped.append(Date().timeIntervalSince(sent))
            guard let decided = run.watcher.firstDecision(within: .seconds(120), where: { $0.memoryBattles > battles && $0.decided >= sent })
            else { throw CommandFailure("probe \(probe): no decision used the vote within 120 s") }
            latencies.append(decided.decided.timeIntervalSince(sent))
        }
        latencies.sort()
        stored.sort()
        swapped.sort()
        let swaps = run.follower.recentSwapSeconds.sorted()
        let swapMedian = BenchHarness.percentile(swaps, 0.5)
        return [("probes", probes),
                ("vote_to_decision_p50_ms", BenchHarness.percentile(latencies, 0.5) * 1_000),
                ("vote_to_decision_p99_ms", BenchHarness.percentile(latencies, 0.99) * 1_000),
                ("vote_to_decision_max_ms", (latencies.last ?? 0) * 1_000),
                ("vote_to_stored_p50_ms", BenchHarness.percentile(stored, 0.5) * 1_000),
                ("vote_to_router_p50_ms", BenchHarness.percentile(swapped, 0.5) * 1_000),
                ("swaps", swaps.count), ("swap_p50_ms", swapMedian * 1_000),
                ("swap_to_full_rebuild_ratio", swapMedian / rebuildSeconds)]
    }

    // MARK: - Helpers

    private static func embed(_ prompts: [String], with embedder: any Embedder, batch: Int = 64) throws -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(prompts.count * embedder.dimension)
        for start in stride(from: 0, to: prompts.count, by: batch) {
            values += try embedder.embed(Array(prompts[start..<min(start + batch, prompts.count)])).values
        }
        return values
    }

    private static func importBattles(_ battles: [LabelledBattle], embeddings: [Float], embedder: EmbedderIdentity,
                                      into database: PostgresSettings) throws {
        _ = try DatabaseImport.append(battles, embeddings: embeddings, embedder: embedder, tierCount: 10,
                                      rounds: RouteLedgerConfiguration().learning.bootstrapRounds, on: try PostgresConnection(database))
    }

    static func vote(id: String, prompt: String, a: String, b: String, winner: BattleOutcome) -> Data {
        let object: [String: Any] = ["schema": VoteEvent.schema, "vote_id": id, "prompt": prompt, "model_a": a, "model_b": b,
                                     "winner": winner.label, "voter": "bench", "cast_at": BattleTime.string(Date())]
        return try! JSONSerialization.data(withJSONObject: object)
    }

    static func query(id: String, prompt: String) -> Data {
        let object: [String: Any] = ["schema": QueryEvent.schema, "id": id, "tenant": "bench", "created_at": BattleTime.string(Date()),
                                     "prompt": prompt]
        return try! JSONSerialization.data(withJSONObject: object)
    }
}

/// The configuration the benchmark runs its stages with.
struct LearningBenchSetup {
    let choice: EmbedderChoice
    let modelDirectory: String?
    let followInterval: Int
    let fetchWait: Int
    var refitEveryVotes = RouteLedgerConfiguration().learning.refitEveryVotes

    func configuration(strong: String, weak: String) -> RouteLedgerConfiguration {
        var configuration = RouteLedgerConfiguration()
        let price = { (dollars: String) in MicroUSD(dollars: dollars)! }
        configuration.models = [
            .init(name: strong, price: TokenPrice(inputPerMillion: price("10"), outputPerMillion: price("30"))),
            .init(name: weak, price: TokenPrice(inputPerMillion: price("0.5"), outputPerMillion: price("1.5"))),
        ]
        configuration.routing.strong = strong
        configuration.routing.cheaper = [weak]
        configuration.routing.threshold = .fixed(0.5)
        configuration.embedder = choice
        configuration.modelDirectory = modelDirectory
        configuration.memoryPath = RouteLedgerConfiguration.databaseMemory
        configuration.learning.followIntervalMilliseconds = followInterval
        configuration.learning.refitEveryVotes = refitEveryVotes
        configuration.kafka.groupID = "bench-route"
        configuration.learning.groupID = "bench-learn"
        configuration.kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000",
                                                  "fetch.wait.max.ms": "\(fetchWait)"]
        return configuration
    }
}

/// The route stage with its followers and the learn stage, running on an embedded broker as
/// `routeledger run --stages route,learn` runs them, plus a reader of the decisions.
final class LearningRun: Sendable {
    let broker: EmbeddedBroker
    let configuration: RouteLedgerConfiguration
    let stage: RouteStage
    let follower: RouterFollower
    let prices: PriceFollower
    let learn: LearnStage
    let watcher: DecisionWatcher
    private let producer: KafkaProducer
    private let shutdown = ShutdownSignal(signals: [])
    private let finished = DispatchGroup()

    init(_ base: RouteLedgerConfiguration, database: PostgresSettings) throws {
        var configuration = base
        broker = try EmbeddedBroker(partitions: 3, topics: configuration.allTopics)
        configuration.use(broker)
        self.configuration = configuration
        let assembly = StageAssembly(configuration: configuration, database: database, shutdown: shutdown, log: StageLog(component: "bench"))
        (stage, follower, prices) = try assembly.followingRouteStage()
        learn = try assembly.learnStage()
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers)
        producerConfiguration.properties = EmbeddedBroker.producerProperties
        producer = try KafkaProducer(configuration: producerConfiguration)
        watcher = try DecisionWatcher(broker: broker, topic: configuration.topics.decisions)
        for running in [stage, follower, prices, learn] as [any PipelineStage] {
            finished.enter()
            Thread.detachNewThread { [finished] in
                do { try running.run() } catch { printStandardError("the \(running.name) stage failed: \(error)\n") }
                finished.leave()
            }
        }
    }

    func stop() {
        shutdown.request(reason: "benchmark over")
        finished.wait()
        watcher.stop()
    }

    func send(_ topic: String, _ records: [(key: String, value: Data)]) throws {
        for record in records { try producer.send(topic: topic, key: Data(record.key.utf8), value: record.value) }
        try producer.flush(timeout: .seconds(120)).requireDelivered()
    }

    /// Routes the queries (id, prompt) and returns their decisions, one per query.
    func route(_ queries: [(id: String, prompt: String)]) throws -> [RoutingDecision] {
        try send(configuration.topics.queries, queries.map { ($0.id, BenchLearnCommand.query(id: $0.id, prompt: $0.prompt)) })
        let wanted = Set(queries.map(\.id))
        guard Polling.until(timeout: .seconds(3_600), { watcher.decisions(for: wanted).count == wanted.count }) else {
            throw CommandFailure("not every query was routed within an hour")
        }
        return watcher.decisions(for: wanted).map(\.decision)
    }
}

/// Reads the decisions topic on a thread of its own, keeping the first decision per query.
final class DecisionWatcher: Sendable {
    struct Seen: Sendable {
        let decision: RoutingDecision
        let decided: Date
        var memoryBattles: Int { decision.memoryBattles }
    }

    private let seen = Mutex<[String: Seen]>([:])
    private let order = Mutex<[String]>([])
    private let running = Atomic(true)
    private let done = DispatchSemaphore(value: 0)

    init(broker: EmbeddedBroker, topic: String) throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: broker.bootstrapServers, groupID: "bench-watcher")
        configuration.sessionTimeout = .seconds(4)
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe(topics: [topic])
        Thread.detachNewThread { [self] in
            let parser = ISO8601DateFormatter()
            parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            while running.load(ordering: .acquiring) {
                for message in (try? consumer.poll(maxMessages: 500, timeout: .milliseconds(100))) ?? [] {
                    guard let decision = try? JSONDecoder().decode(RoutingDecision.self, from: message.value),
                          let decided = parser.date(from: decision.decidedAt) else { continue }
                    let isNew = seen.withLock { seen in
                        guard seen[decision.queryID] == nil else { return false }
                        seen[decision.queryID] = Seen(decision: decision, decided: decided)
                        return true
                    }
                    if isNew { order.withLock { $0.append(decision.queryID) } }
                }
            }
            try? consumer.close()
            done.signal()
        }
    }

    func stop() {
        running.store(false, ordering: .releasing)
        done.wait()
    }

    func decisions(for ids: Set<String>) -> [Seen] {
        seen.withLock { seen in ids.compactMap { seen[$0] } }
    }

    /// The first decision, in arrival order, that `condition` accepts, waiting up to `timeout`.
    func firstDecision(within timeout: Duration, where condition: (Seen) -> Bool) -> Seen? {
        var checked = 0
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let ids = order.withLock { Array($0[checked...]) }
            for id in ids {
                if let entry = seen.withLock({ $0[id] }), condition(entry) { return entry }
            }
            checked += ids.count
            Thread.sleep(forTimeInterval: 0.002)
        }
        return nil
    }
}
