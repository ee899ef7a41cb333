import BattleStore
import Embeddings
import Foundation
import Kafka
import Ledger
import Pipeline
import Ranking

/// `routeledger demo`: the whole route path on one machine, with nothing to install beyond
/// ops/setup.sh — an embedded Kafka-protocol broker, a battle memory built from a synthetic
/// workload with a known ground truth, the route stage, simulated LLM workers that report
/// usage, users who vote, and some malformed events — ending with a summary of what routing
/// saved and whether it followed the ground truth.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "run RouteLedger end to end on a synthetic workload (embedded broker)"
    static let discussion = """
        Everything runs in this process on SYNTHETIC data (see SyntheticWorkload.swift): six
        topics of prompts, each with a known probability that the strong model beats the weak
        one. Builds a battle memory of --battles battles in --workdir, starts an embedded broker
        and the route stage, replays --queries query events (about 2 % malformed, to show the
        dead-letter topic), lets simulated LLM workers answer every routed query with usage
        reports and users vote on some answers, and prints the summary: requests, strong share,
        estimated cost against the strong-only cost, savings, and per topic the strong share
        next to the ground truth.
        """
    static let options: [Option] = EmbedderChoice.options + [
        .value("battles", "N", "Battles in the synthetic memory (default 3000)."),
        .value("queries", "N", "Query events to replay (default 2000)."),
        .value("strong-share", "S", "Share of traffic calibrated to go to the strong model (default 0.4)."),
        .value("workdir", "DIR", "Where the memory is written (default: a new temporary folder)."),
        .value("seed", "N", "Seed of the synthetic workload (default 1)."),
        .flag("json", "Print the summary as one JSON object."),
    ]

    static let strongModel = "gpt-4-1106-preview"
    static let weakModel = "mixtral-8x7b-instruct-v0.1"

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let battles = try arguments.int("battles", range: 10...1_000_000) ?? 3_000
        let queries = try arguments.int("queries", range: 1...1_000_000) ?? 2_000
        let share = try arguments.double("strong-share", range: 0...1) ?? 0.4
        let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1)
        let choice = try EmbedderChoice.parse(arguments)
        let workdir = arguments.string("workdir").map(URL.init(fileURLWithPath:))
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("routeledger-demo-\(UUID().uuidString.prefix(8))")
        printStandardError("\(BLASKernel.description)\n")

        let embedder = try choice.load(arguments, batchSize: 32)
        var workload = SyntheticWorkload(seed: seed)
        let memoryURL = workdir.appendingPathComponent("memory")
        try buildMemory(at: memoryURL, battles: battles, embedder: embedder, workload: &workload)

        var configuration = RouteLedgerConfiguration()
        configuration.models = [
            .init(name: strongModel, price: TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
            .init(name: weakModel, price: TokenPrice(inputPerMillion: MicroUSD(dollars: "0.24")!, outputPerMillion: MicroUSD(dollars: "0.24")!)),
        ]
        configuration.routing.strong = strongModel
        configuration.routing.cheaper = [weakModel]
        configuration.routing.threshold = .strongShare(share)
        configuration.routing.tiers = 2
        configuration.memoryPath = memoryURL.path
        configuration.embedder = choice.rawValue
        configuration.batch.maxEvents = 64
        let broker = try EmbeddedBroker(partitions: 3, topics: RunCommand.topics(of: configuration))
        configuration.kafka.bootstrapServers = broker.bootstrapServers
        configuration.kafka.groupID = "demo-route"
        configuration.kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"]
        configuration.kafka.producerProperties = Dictionary(uniqueKeysWithValues: EmbeddedBroker.producerProperties.entries.map { ($0.key, $0.value) })
        printStandardError("embedded broker at \(broker.bootstrapServers)\n")

        let routing = try MemoryDirectory.open(memoryURL).routingMemory(tierCount: 2)
        let snapshot = try RouterSnapshot(memory: routing.memory, tierOfModel: routing.tierOfModel, configuration: configuration,
                                          ratingsVersion: "demo-1")
        printStandardError(String(format: "router ready: %d battles, threshold %.4f calibrated for a %.0f %% strong share\n",
                                  routing.memory.count, snapshot.threshold, share * 100))

        let shutdown = ShutdownSignal(signals: [])
        let stage = RouteStage(configuration: configuration, embedder: embedder, snapshot: snapshot, shutdown: shutdown,
                               log: StageLog(component: "route", minimumLevel: .warning))
        let stageDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { try stage.run() } catch { printStandardError("route stage failed: \(error)\n") }
            stageDone.signal()
        }
        defer {
            shutdown.request(reason: "demo over")
            stageDone.wait()
        }

        let topicOfQuery = try replayQueries(queries, configuration: configuration, workload: &workload)
        let outcome = try answerAndVote(expecting: topicOfQuery, configuration: configuration, workload: &workload)
        let summary = DemoSummary(decisions: outcome.decisions, topicOfQuery: topicOfQuery,
                                  deadLetters: stage.counters.snapshot().rejected.values.reduce(0, +),
                                  usageReports: outcome.usageReports, votes: outcome.votes)
        summary.print(json: arguments.flag("json"))
        return 0
    }

    /// Battles of strong against weak on synthetic prompts, outcomes drawn from each topic's truth.
    private static func buildMemory(at url: URL, battles count: Int, embedder: any Embedder,
                                    workload: inout SyntheticWorkload) throws {
        let progress = ProgressBar(label: "embedding the synthetic battles", unit: "battles")
        try? FileManager.default.removeItem(at: url)
        var directory = try MemoryDirectory.openOrCreate(url, embedder: embedder.identity, dimension: embedder.dimension, tierCount: 2)
        let now = ISO8601DateFormatter().string(from: Date())
        for start in stride(from: 0, to: count, by: 256) {
            var battles: [StoredBattle] = []
            for _ in start..<min(start + 256, count) {
                let topic = workload.topic()
                battles.append(StoredBattle(prompt: workload.prompt(in: topic), modelA: strongModel, modelB: weakModel,
                                            winner: workload.outcome(in: topic), source: "synthetic:\(topic.name)", time: now))
            }
            let vectors = try embedder.embed(battles.map(\.prompt))
            try directory.append(battles, embeddings: vectors.values)
            progress.update(done: min(start + 256, count), total: count)
        }
        printStandardError("battle memory: \(count) synthetic battles in \(url.path)\n")
    }

    /// Produces the query events (every 50th malformed); returns each good query's topic.
    private static func replayQueries(_ count: Int, configuration: RouteLedgerConfiguration,
                                      workload: inout SyntheticWorkload) throws -> [String: String] {
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers)
        producerConfiguration.properties = EmbeddedBroker.producerProperties
        let producer = try KafkaProducer(configuration: producerConfiguration)
        var topicOfQuery: [String: String] = [:]
        let createdAt = ISO8601DateFormatter().string(from: Date())
        for index in 0..<count {
            let tenant = ["acme", "globex", "initech"][index % 3]
            let value: Data
            if index % 50 == 49 {
                value = Data(#"{"schema":"routeledger.query.v1","id":"q\#(index)","tenant":"\#(tenant)","prompt":""}"#.utf8)
            } else {
                let topic = workload.topic()
                let event: [String: Any] = ["schema": "routeledger.query.v1", "id": "q\(index)", "tenant": tenant,
                                            "created_at": createdAt, "prompt": workload.prompt(in: topic),
                                            "max_output_tokens": topic.outputTokens.upperBound,
                                            "metadata": ["synthetic_topic": topic.name]]
                value = try JSONSerialization.data(withJSONObject: event)
                topicOfQuery["q\(index)"] = topic.name
            }
            try producer.send(topic: configuration.topics.queries, key: Data(tenant.utf8), value: value)
        }
        try producer.flush(timeout: .seconds(120)).requireDelivered()
        return topicOfQuery
    }

    private struct WorkerOutcome {
        var decisions: [RoutingDecision] = []
        var usageReports = 0
        var votes = 0
    }

    /// Simulated LLM workers read each model's topic and report usage; one answer in ten gets a
    /// user's vote, drawn from the topic's ground truth.
    private static func answerAndVote(expecting topicOfQuery: [String: String], configuration: RouteLedgerConfiguration,
                                      workload: inout SyntheticWorkload) throws -> WorkerOutcome {
        let progress = ProgressBar(label: "routing and answering", unit: "queries")
        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers, groupID: "demo-workers")
        consumerConfiguration.sessionTimeout = .seconds(4)
        let workers = try KafkaConsumer(configuration: consumerConfiguration)
        defer { try? workers.close() }
        try workers.subscribe(topics: [configuration.topics.route(for: strongModel), configuration.topics.route(for: weakModel)])
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers)
        producerConfiguration.properties = EmbeddedBroker.producerProperties
        let reporter = try KafkaProducer(configuration: producerConfiguration)
        let topics = Dictionary(uniqueKeysWithValues: SyntheticWorkload.topics.map { ($0.name, $0) })
        var outcome = WorkerOutcome()
        let deadline = ContinuousClock.now + .seconds(1_800)
        let completedAt = ISO8601DateFormatter().string(from: Date())
        while outcome.decisions.count < topicOfQuery.count, ContinuousClock.now < deadline {
            for message in try workers.poll(maxMessages: 500, timeout: .milliseconds(200)) {
                guard let query = try JSONSerialization.jsonObject(with: message.value) as? [String: Any],
                      let decisionObject = query["routeledger"],
                      let decision = try? JSONDecoder().decode(RoutingDecision.self, from: JSONSerialization.data(withJSONObject: decisionObject)),
                      let topic = topicOfQuery[decision.queryID].flatMap({ topics[$0] }) else { continue }
                outcome.decisions.append(decision)
                let usage: [String: Any] = ["schema": "routeledger.usage.v1", "query_id": decision.queryID, "tenant": decision.tenant,
                                            "model": decision.model, "decision_id": decision.decisionID,
                                            "input_tokens": decision.estimatedInputTokens + Int64(workload.outputTokens(in: topic) % 7),
                                            "output_tokens": workload.outputTokens(in: topic), "completed_at": completedAt]
                try reporter.send(topic: configuration.topics.usage, key: Data(decision.tenant.utf8),
                                  value: try JSONSerialization.data(withJSONObject: usage))
                outcome.usageReports += 1
                if workload.chance(0.1), let prompt = query["prompt"] as? String {
                    let vote: [String: Any] = ["schema": "routeledger.vote.v1", "vote_id": "vote-\(decision.queryID)",
                                               "query_id": decision.queryID, "prompt": prompt, "model_a": strongModel,
                                               "model_b": weakModel, "winner": workload.outcome(in: topic).label,
                                               "voter": "user-\(outcome.votes % 17)", "cast_at": completedAt]
                    try reporter.send(topic: configuration.topics.votes, key: Data(decision.queryID.utf8),
                                      value: try JSONSerialization.data(withJSONObject: vote))
                    outcome.votes += 1
                }
            }
            progress.update(done: outcome.decisions.count, total: topicOfQuery.count)
        }
        try reporter.flush(timeout: .seconds(60)).requireDelivered()
        guard outcome.decisions.count == topicOfQuery.count else {
            throw CommandFailure("only \(outcome.decisions.count) of \(topicOfQuery.count) queries were routed in time")
        }
        return outcome
    }
}
