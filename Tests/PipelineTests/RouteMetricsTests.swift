import Embeddings
import Foundation
import Kafka
import Ledger
import Ranking
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// Prompts of two kinds, embedded by the hashing embedder: proofs, on which the strong model
/// won every battle, and greetings, on which the weak one did. Prices are whole micro-dollars
/// per token (strong 10 in, 30 out; weak 1 in, 2 out), so costs can be worked out by hand.
func proofsAndGreetingsRouting(threshold: Double = 0.5) throws -> (RouteLedgerConfiguration, RouterSnapshot) {
    let embedder = HashingEmbedder()
    let proofs = (0..<20).map { "prove that the sum of the first \($0) odd numbers is a perfect square" }
    let greetings = (0..<20).map { "write a short friendly hello message for my neighbour number \($0)" }
    let vectors = embedder.embed(proofs + greetings).rowVectors
    var memory = BattleMemory(dimension: embedder.dimension)
    for (index, vector) in vectors.enumerated() {
        try memory.append(modelA: "strong", modelB: "weak", outcome: index < proofs.count ? .modelA : .modelB, embedding: vector)
    }
    var configuration = strongAndWeakConfiguration(weakPerMillion: (input: "1", output: "2"))
    configuration.embedder = .hashing
    configuration.routing.threshold = .fixed(threshold)
    return (configuration, try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "memory-40"))
}

/// What `/metrics` says about a route stage, scraped over HTTP as Prometheus does, checked
/// against what the stage wrote to Kafka and against costs worked out from the prices.
@Suite(.serialized) struct RouteMetricsTests {
    @Test func theEndpointCountsWhatTheStageReadWroteDecidedAndSpent() throws {
        let harness = try RouteStageHarness(routing: proofsAndGreetingsRouting(), embedder: HashingEmbedder())
        let server = try MetricsServer(host: "127.0.0.1", port: 0, registry: harness.metrics, readiness: { .ready("test") })
        defer { server.stop() }
        var events: [(key: String, value: Data)] = []
        var prompts: [String: String] = [:]
        for index in 0..<200 {
            let value: Data
            if index % 20 == 7 {
                value = Data("{\"truncated\": ".utf8)
            } else if index % 25 == 11 {
                value = queryEvent(id: "q\(index)", prompt: "", embedding: nil)
            } else {
                let prompt = index % 3 == 0 ? "prove that \(index) times two is even" : "write a hello message for friend \(index)"
                prompts["q\(index)"] = prompt
                value = queryEvent(id: "q\(index)", prompt: prompt, embedding: nil)
            }
            events.append((key: "k\(index % 7)", value: value))
        }
        // 10 malformed (index ≡ 7 mod 20), 8 with an empty prompt (≡ 11 mod 25), 182 decided.
        try #require(prompts.count == 182)
        try harness.send(events)

        let (decisions, scraped) = try harness.whileRunning { _ in
            let decisions = try harness.read(harness.configuration.topics.decisions, count: 182)
                .map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
            // The lag is measured every 5 s: wait until all three partitions are reported drained.
            var scraped = try ScrapedMetrics(try httpGet("/metrics", port: server.port).body)
            let deadline = ContinuousClock.now + .seconds(20)
            while scraped.all("routeledger_consumer_lag").map(\.value) != ["0", "0", "0"]
                    || scraped.value("routeledger_events_in_total", ["stage": "route"]) != "200",
                  ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                scraped = try ScrapedMetrics(try httpGet("/metrics", port: server.port).body)
            }
            return (decisions, scraped)
        }
        try #require(decisions.count == 182)
        let strong = decisions.count { $0.model == "strong" }
        let weak = decisions.count { $0.model == "weak" }
        // The router told proofs from greetings (not the point here, but the sums below need both).
        try #require(strong > 0 && weak > 0)

        let topics = harness.configuration.topics
        #expect(scraped.value("routeledger_events_in_total", ["stage": "route"]) == "200")
        #expect(scraped.value("routeledger_events_out_total", ["stage": "route", "output": topics.decisions]) == "182")
        #expect(scraped.value("routeledger_events_out_total", ["stage": "route", "output": topics.route(for: "strong")]) == "\(strong)")
        #expect(scraped.value("routeledger_events_out_total", ["stage": "route", "output": topics.route(for: "weak")]) == "\(weak)")
        #expect(scraped.value("routeledger_events_out_total", ["stage": "route", "output": topics.deadLetter]) == "18")
        #expect(scraped.value("routeledger_dead_letters_total", ["stage": "route", "reason": "malformed_json"]) == "10")
        #expect(scraped.value("routeledger_dead_letters_total", ["stage": "route", "reason": "empty_prompt"]) == "8")
        #expect(scraped.value("routeledger_decisions_total", ["model": "strong"]) == "\(strong)")
        #expect(scraped.value("routeledger_decisions_total", ["model": "weak"]) == "\(weak)")
        #expect(abs((scraped.number("routeledger_strong_share") ?? -1) - Double(strong) / 182) < 1e-12)

        // Input tokens: a quarter of the prompt's bytes, rounded up; 256 output tokens.
        var estimated: Int64 = 0
        var reference: Int64 = 0
        for decision in decisions {
            let inputTokens = Int64((prompts[decision.queryID]!.utf8.count + 3) / 4)
            let strongCost = inputTokens * 10 + 256 * 30
            estimated += decision.model == "strong" ? strongCost : inputTokens * 1 + 256 * 2
            reference += strongCost
        }
        #expect(scraped.value("routeledger_estimated_cost_usd_total") == MicroUSD(microunits: estimated).description)
        #expect(scraped.value("routeledger_reference_cost_usd_total") == MicroUSD(microunits: reference).description)
        #expect(scraped.value("routeledger_estimated_savings_usd") == MicroUSD(microunits: reference - estimated).description)

        #expect(scraped.value("routeledger_batch_size_sum", ["stage": "route"]) == "200")
        #expect(scraped.value("routeledger_decision_latency_seconds_count") == "182")
        #expect(scraped.value("routeledger_embedded_texts_total") == "182")
        // Every prompt differs: the prompt cache holds none of them when it is asked.
        #expect(scraped.value("routeledger_prompt_cache_misses_total") == "182")
        #expect(scraped.value("routeledger_prompt_cache_hits_total") == "0")
        let batches = Int(scraped.value("routeledger_batch_size_count", ["stage": "route"]) ?? "") ?? 0
        #expect(batches >= 4, "200 events in batches of at most 64")
        // One embedding call per batch that had prompts (a batch of dead letters alone has none).
        let embeddingCalls = Int(scraped.value("routeledger_embedding_seconds_count") ?? "") ?? 0
        #expect(embeddingCalls >= 1 && embeddingCalls <= batches)
        #expect(scraped.value("routeledger_router_info", ["ratings_version": "memory-40", "router_version": "sw-v1"]) == "1")
        let lag = scraped.all("routeledger_consumer_lag", including: ["stage": "route", "topic": topics.queries])
        #expect(Set(lag.compactMap { $0.labels["partition"] }) == ["0", "1", "2"])
        #expect(lag.allSatisfy { $0.value == "0" })
        for name in scraped.types.keys {
            #expect(Metric.all.contains { $0.name == name }, "\(name) is exported but not in the catalogue")
        }
    }

    /// A queue that repeats three prompts 20 times each: three are embedded, the rest come from
    /// the prompt cache, and a repeated prompt is decided as its first copy was.
    @Test func repeatedPromptsComeFromThePromptCache() throws {
        let harness = try RouteStageHarness(routing: proofsAndGreetingsRouting(), embedder: HashingEmbedder())
        let prompts = ["prove that the square of an odd number is odd", "write a hello message for a friend", "prove that 2 is prime"]
        try harness.send((0..<60).map { index in
            (key: "k\(index % 5)", value: queryEvent(id: "q\(index)", prompt: prompts[index % 3], embedding: nil))
        })
        let decisions = try harness.whileRunning { _ in
            try harness.read(harness.configuration.topics.decisions, count: 60).map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
        }
        try #require(decisions.count == 60)
        let byPrompt = Dictionary(grouping: decisions) { prompts[Int($0.queryID.dropFirst())! % 3] }
        for (_, copies) in byPrompt { #expect(Set(copies.map(\.model)).count == 1) }
        #expect(harness.metrics.value(.promptCacheMisses) == 3)
        #expect(harness.metrics.value(.promptCacheHits) == 57)
    }

    /// The example configuration's old `threshold: 0.5` on traffic that all resembles the
    /// prompts the strong model won (win rate 1/1.1 each): every query goes strong, the live
    /// share is 1 from the 50th query on (`routing.live_minimum` here), and the stage warns once
    /// over the six batches or more of 300 queries, not once a batch. No drift warning: nothing
    /// was calibrated.
    @Test func theOldExampleThresholdWarnsOnceWhenTheLiveTrafficAllGoesStrong() throws {
        var harness = try RouteStageHarness(routing: twoTopicRouting(threshold: 0.5))
        harness.configuration.routing.liveWindow = 100
        harness.configuration.routing.liveMinimum = 50
        try harness.send((0..<300).map { (key: "k\($0 % 5)", value: queryEvent(id: "q\($0)", embedding: [1, 0, 0, 0])) })
        let decisions = try harness.whileRunning { _ in try harness.read(harness.configuration.topics.decisions, count: 300) }
        #expect(decisions.count == 300)
        #expect(harness.metrics.value(.liveStrongShare) == 1)
        #expect(harness.metrics.value(.strongShareWarnings, labels: ["sample": "live", "reason": "outside"]) == 1)
        #expect(harness.metrics.value(.strongShareWarnings, labels: ["sample": "live", "reason": "drift"]) == nil)
    }

    /// Calibrated for 50 % on the memory's two prompts (threshold 0.5, halfway between their win
    /// rates 1/1.1 and 1/11), with a window of the latest 100 queries: 100 strong-like queries
    /// make the share 1 (outside 5–95 % and 0.5 from the target: one warning each); 50
    /// weak-like ones bring it back to 0.5 (both excursions end, nothing said); 50 more take it
    /// to 0 (one warning each again). Each chunk is decided before the next is sent, so the share
    /// moves one way within a chunk.
    @Test func theLiveShareWarnsOncePerExcursionFromTheCalibratedShare() throws {
        var harness = try RouteStageHarness(routing: twoTopicRouting())
        harness.configuration.routing.threshold = .strongShare(0.5)
        harness.configuration.routing.liveWindow = 100
        harness.configuration.routing.liveMinimum = 50
        harness.snapshot = try RouterSnapshot(memory: twoTopicMemory(), configuration: harness.configuration, ratingsVersion: "test-1")
        #expect(abs(harness.snapshot.threshold - 0.5) < 1e-9)
        let warnings = { (reason: String) in harness.metrics.value(.strongShareWarnings, labels: ["sample": "live", "reason": reason]) }
        try harness.whileRunning { _ in
            var sent = 0
            for (count, vector) in [(100, [Float(1), 0, 0, 0]), (50, [0, 1, 0, 0]), (50, [0, 1, 0, 0])] {
                try harness.send((sent..<(sent + count)).map { (key: "k\($0 % 5)", value: queryEvent(id: "q\($0)", embedding: vector)) })
                sent += count
                #expect(try harness.read(harness.configuration.topics.decisions, count: sent).count == sent)
                if sent == 150 { #expect(warnings("outside") == 1 && warnings("drift") == 1) }
            }
        }
        #expect(harness.metrics.value(.liveStrongShare) == 0)
        #expect(warnings("outside") == 2 && warnings("drift") == 2)
    }

    /// A swap (new battles or ratings) relabels the router: the old ratings version disappears.
    @Test func theRouterInfoFollowsSwaps() throws {
        let (configuration, first) = try twoTopicRouting()
        var memory = BattleMemory(dimension: 4)
        try memory.append(modelA: "strong", modelB: "weak", outcome: .modelA, embedding: [1, 0, 0, 0])
        try memory.append(modelA: "weak", modelB: "strong", outcome: .tie, embedding: [0, 1, 0, 0])
        let second = try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "test-2")
        let metrics = MetricsRegistry()
        let stage = RouteStage(configuration: configuration, embedder: nil, snapshot: first, shutdown: ShutdownSignal(signals: []),
                               metrics: metrics)
        stage.swap(second)
        let info = try ScrapedMetrics(metrics.render()).all("routeledger_router_info")
        #expect(info.map(\.labels) == [["ratings_version": "test-2", "router_version": "sw-v1"]])
    }

    /// The reporter publishes each owned partition's lag, and drops partitions it no longer has.
    @Test func theLagReporterPublishesTheConsumersLagPerPartition() throws {
        let topic = TestKafkaBroker.uniqueName("lag")
        let broker = try TestKafkaBroker(partitions: 2, topics: [topic])
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for sequence in 0..<25 { try producer.send(topic: topic, partition: KafkaPartition(sequence % 2), value: Data("\(sequence)".utf8)) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("group")))
        try consumer.subscribe(topics: [topic])
        let read = try consumer.poll(count: 25, within: .seconds(30))
        try #require(read.count == 25)
        let metrics = MetricsRegistry()
        let reporter = ConsumerLagReporter(stage: "route", metrics: metrics, log: StageLog(component: "test"), interval: .zero)
        reporter.reportIfDue(consumer)
        #expect(metrics.value(.consumerLag, labels: ["stage": "route", "topic": topic, "partition": "0"]) == 0)
        for sequence in 0..<9 { try producer.send(topic: topic, partition: KafkaPartition(1), value: Data("\(sequence)".utf8)) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
        reporter.reportIfDue(consumer)
        #expect(metrics.value(.consumerLag, labels: ["stage": "route", "topic": topic, "partition": "0"]) == 0)
        #expect(metrics.value(.consumerLag, labels: ["stage": "route", "topic": topic, "partition": "1"]) == 9)
        try consumer.close()
        reporter.clear()
        #expect(try ScrapedMetrics(metrics.render()).all("routeledger_consumer_lag").isEmpty)
    }
}
