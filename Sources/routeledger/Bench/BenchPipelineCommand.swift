import Embeddings
import Foundation
import Kafka
import Ledger
import Pipeline
import Ranking
import Streams

/// `routeledger bench pipeline`: events per second end to end through the embedded broker —
/// Kafka in, parse, embed or take the event's vector, SW-route, produce, commit.
enum BenchPipelineCommand: Command {
    static let name = "pipeline"
    static let summary = "time the route stage end to end through the embedded broker"
    static let discussion = """
        Starts an embedded broker, builds a synthetic battle memory (--battles × --dim), produces
        --events query events, then runs the route stage until all are decided. With --embedder
        given, every event carries a random unit embedding (the router's own cost plus Kafka and
        JSON); with --embedder minilm, events carry prompts (cycled from --prompts, a JSONL file
        with a text field, e.g. shared/reference/minilm/texts.jsonl) that the stage embeds, and
        the embedder's standalone rate on the same prompts is measured first, in the same
        process, as the baseline.
        The baseline, timed first in the same process: the same ranker routing batches of the
        same size with no Kafka, JSON or embedding (ratio_to_router_alone).
        The clock starts once the first --warmup events are decided (group join and first fetch
        excluded). Batch latency is the time from a batch's poll to its commit: the longest any
        decision in it waited inside the stage. The stage ranks one batch while it parses the next
        and commits the one before, so a batch's latency spans up to two rankings.
        """
    static let options: [Option] = [
        .value("events", "N", "Events to time (default 20000 given, 2000 minilm)."),
        .value("warmup", "N", "Events decided before the clock starts (default 512)."),
        .value("battles", "N", "Synthetic memory size (default 110000)."),
        .value("dim", "D", "Embedding dimension with --embedder given (default 384)."),
        .value("embedder", "given|minilm", "Where embeddings come from (default given)."),
        .value("prompts", "FILE", "JSONL prompts (a text field) for --embedder minilm; required with it."),
        .value("model-dir", "DIR", "all-MiniLM-L6-v2 folder (default: see README)."),
        .value("batch", "N", "Route stage micro-batch size (default 256)."),
        .value("partitions", "N", "Partitions of each topic (default 48; the embedded broker keeps 5 MiB per partition)."),
        .flag("exactly-once", "Produce decisions in Kafka transactions."),
        .flag("json", "Print one JSON object instead of text."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let useMiniLM = try arguments.choice("embedder", from: ["given", "minilm"]) == "minilm"
        let events = try arguments.int("events", range: 1...1_000_000) ?? (useMiniLM ? 2_000 : 20_000)
        let warmup = try arguments.int("warmup", range: 1...100_000) ?? 512
        let battles = try arguments.int("battles", range: 1...10_000_000) ?? 110_000
        let batch = try arguments.int("batch", range: 1...100_000) ?? 256
        let partitions = try arguments.int("partitions", range: 1...1_000) ?? 48
        let json = arguments.flag("json")
        printStandardError("\(BLASKernel.description)\n")

        let embedder: MiniLMEmbedder? = useMiniLM ? try MiniLMEmbedder(modelDirectory: arguments.string("model-dir")) : nil
        let requestedDimension = try arguments.int("dim", range: 1...65_536) ?? 384
        let dimension = embedder?.dimension ?? requestedDimension
        var prompts: [String] = []
        var standaloneRate: Double?
        if let embedder {
            guard let file = arguments.string("prompts") else {
                throw UsageError("--embedder minilm needs --prompts FILE (JSONL lines with a text field)")
            }
            prompts = try promptTexts(URL(fileURLWithPath: file))
            let sample = (0..<min(events, 512)).map { prompts[$0 % prompts.count] }
            let started = ContinuousClock.now
            _ = embedder.embed(sample)
            standaloneRate = Double(sample.count) / (ContinuousClock.now - started).seconds
        }

        printStandardError("building a synthetic memory of \(battles) battles × \(dimension) dimensions\n")
        let shape = SyntheticShape(battles: battles, dimension: dimension, models: 20, tiers: 10, queries: 2_560, seed: 1)
        let (memory, baselineQueries) = shape.make()
        var configuration = RouteLedgerConfiguration()
        configuration.models = memory.models.map { name in
            RouteLedgerConfiguration.Model(name: name, price: TokenPrice(inputPerMillion: MicroUSD(microunits: 1_000_000),
                                                                         outputPerMillion: MicroUSD(microunits: 2_000_000)))
        }
        configuration.routing.strong = memory.models[0]
        configuration.routing.cheaper = [memory.models[1]]
        configuration.memoryPath = "synthetic"
        configuration.batch.maxEvents = batch
        configuration.exactlyOnce = arguments.flag("exactly-once")
        configuration.embedder = useMiniLM ? .minilm : nil
        let snapshot = try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "bench")
        // The baseline: the same ranker on the same batches with no Kafka, JSON or embedding.
        let routerAlone = try RouterTiming.measure(baselineQueries, ranker: snapshot.ranker, batch: batch, seconds: 3,
                                                   workspace: RankingWorkspace()).queriesPerSecond

        let broker = try EmbeddedBroker(partitions: 3)
        try broker.createTopic(configuration.topics.queries, partitions: partitions)
        for topic in [configuration.topics.decisions, configuration.topics.deadLetter,
                      configuration.topics.route(for: memory.models[0]), configuration.topics.route(for: memory.models[1])] {
            try broker.createTopic(topic, partitions: partitions)
        }
        configuration.use(broker)
        configuration.kafka.groupID = "bench-route"
        configuration.kafka.transactionalID = "bench-route-tx"
        configuration.kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"]

        let total = warmup + events
        printStandardError("producing \(total) events\n")
        try produceQueries(total, to: configuration.topics.queries, broker: broker, dimension: dimension, prompts: prompts)

        let shutdown = ShutdownSignal(signals: [])
        let stage = StageAssembly(configuration: configuration, shutdown: shutdown, log: StageLog(component: "bench", minimumLevel: .warning))
            .routeStage(snapshot: snapshot, embedder: embedder)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { try stage.run() } catch { printStandardError("route stage failed: \(error)\n") }
            finished.signal()
        }
        defer {
            shutdown.request(reason: "benchmark over")
            finished.wait()
        }
        guard Polling.until(timeout: .seconds(300), { stage.counters.snapshot().events >= warmup }) else {
            throw CommandFailure("the route stage decided fewer than \(warmup) events in 300 s")
        }
        let before = stage.counters.snapshot()
        let started = ContinuousClock.now
        guard Polling.whileProgressing(to: total, stallTimeout: .seconds(60), { stage.counters.snapshot().events }) >= total else {
            throw CommandFailure("""
                the route stage decided \(stage.counters.snapshot().events) of \(total) events and then nothing for 60 s; \
                the embedded broker keeps 5 MiB per partition and drops the oldest records past that, \
                so give more --partitions or fewer --events
                """)
        }
        let elapsed = (ContinuousClock.now - started).seconds
        let after = stage.counters.snapshot()
        let timed = after.events - before.events
        let latencies = after.batchLatencies.suffix(after.batches - before.batches).sorted()
        var figures: [(String, Any)] = [
            ("events", timed),
            ("battles", battles),
            ("dim", dimension),
            ("embedder", useMiniLM ? "minilm" : "given"),
            ("exactly_once", configuration.exactlyOnce),
            ("events_per_second", Double(timed) / elapsed),
            ("batches", after.batches - before.batches),
            ("batch_latency_p50_ms", BenchHarness.percentile(latencies, 0.5) * 1_000),
            ("batch_latency_p99_ms", BenchHarness.percentile(latencies, 0.99) * 1_000),
            ("rejected", after.rejected.values.reduce(0, +)),
            ("router_alone_queries_per_second", routerAlone),
            ("ratio_to_router_alone", Double(timed) / elapsed / routerAlone),
        ]
        if let standaloneRate {
            figures.append(("embedder_standalone_texts_per_second", standaloneRate))
            figures.append(("ratio_to_standalone_embedder", Double(timed) / elapsed / standaloneRate))
        }
        printFigures(figures, json: json)
        return 0
    }

    private static func produceQueries(_ count: Int, to topic: String, broker: EmbeddedBroker, dimension: Int,
                                       prompts: [String]) throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers)
        configuration.properties = EmbeddedBroker.producerProperties.merging(["linger.ms": "5"])
        let producer = try KafkaProducer(configuration: configuration)
        var generator = SeededGenerator(seed: 2)
        let createdAt = ISO8601DateFormatter().string(from: Date())
        for index in 0..<count {
            var event: [String: Any] = ["schema": "routeledger.query.v1", "id": "q\(index)", "tenant": "bench",
                                        "created_at": createdAt]
            var value: Data
            if prompts.isEmpty {
                event["prompt"] = "synthetic query \(index)"
                value = try JSONSerialization.data(withJSONObject: event)
                // float32 values written in their shortest form, as a client sending float32 vectors
                // would: half the bytes of JSONSerialization's float64 digits.
                let embedding = (0..<dimension).map { _ in "\(Float.random(in: -1...1, using: &generator))" }
                value.removeLast()
                value.append(Data(",\"embedding\":[\(embedding.joined(separator: ","))]}".utf8))
            } else {
                event["prompt"] = prompts[index % prompts.count]
                value = try JSONSerialization.data(withJSONObject: event)
            }
            try producer.send(topic: topic, key: Data("tenant-\(index % 1_024)".utf8), value: value)
        }
        try producer.flush(timeout: .seconds(600)).requireDelivered()
    }

    private static func promptTexts(_ url: URL) throws -> [String] {
        let texts = try readLines(url).compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String, text.contains(where: { !$0.isWhitespace }) else { return nil }
            return text
        }
        guard !texts.isEmpty else { throw CommandFailure("\(url.path) has no lines with a non-empty text field") }
        return texts
    }
}
