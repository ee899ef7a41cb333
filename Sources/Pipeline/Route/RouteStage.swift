import Embeddings
import Foundation
import Kafka
import Ledger
import Ranking
import Streams
import Synchronization

/// The route stage: reads query events in micro-batches, routes each batch, and produces every
/// decision to `llm.route.<model>` and `llm.decisions` (rejects to the dead-letter topic) before
/// the batch's input offsets are committed.
///
/// Guarantees: at least once always — offsets are committed only after every output of the batch
/// is acknowledged, so a crash replays the batch and nothing is lost. With `exactly_once`, the
/// outputs and the offsets go in one Kafka transaction, so a `read_committed` reader sees each
/// decision once. Any Kafka failure restarts the consumer and producer from the committed
/// offsets after a back-off; the replayed decisions keep their ids.
public final class RouteStage: Sendable {
    /// The latest queries decided and the warnings owed on them, changed together.
    private struct Live {
        var traffic: LiveTraffic
        var share: LiveStrongShare
    }

    private let configuration: RouteLedgerConfiguration
    private let embedder: (any Embedder)?
    /// The cache in front of the embedder (`embedder.cache_entries`), whose hits it counts.
    private let promptCache: CachingEmbedder?
    private let snapshot: Mutex<RouterSnapshot>
    private let live: Mutex<Live>
    /// What the decisions' costs are estimated at: the configured prices until a `PriceFollower`
    /// gives the price book's.
    private let prices: Mutex<RoutePrices>
    private let shutdown: ShutdownSignal
    private let log: StageLog
    public let counters: StageCounters
    /// What `/readyz` answers, fed by the poll loop.
    let status: StageReadiness
    /// Which threshold each batch is decided with (the budget controller's, when enabled).
    private let thresholds: ThresholdSource

    public init(configuration: RouteLedgerConfiguration, embedder: (any Embedder)?, snapshot: RouterSnapshot,
                shutdown: ShutdownSignal, metrics: MetricsRegistry = MetricsRegistry(),
                log: StageLog = StageLog(component: "route")) {
        self.configuration = configuration
        promptCache = configuration.embeddingCacheEntries > 0 ? embedder.map { CachingEmbedder($0, capacity: configuration.embeddingCacheEntries) } : nil
        self.embedder = promptCache ?? embedder
        self.snapshot = Mutex(snapshot)
        live = Mutex(Live(traffic: LiveTraffic(capacity: configuration.routing.liveWindow),
                          share: LiveStrongShare(target: configuration.routing.threshold.calibratedShare,
                                                 allowedDrift: configuration.routing.strongShareDrift)))
        prices = Mutex(RoutePrices(configuration: configuration))
        self.shutdown = shutdown
        self.log = log
        counters = StageCounters(metrics: metrics, routerVersion: configuration.routing.routerVersion)
        status = StageReadiness(stage: "route", stallAfter: .seconds(configuration.stallAfterSeconds), metrics: metrics, log: log)
        counters.report(router: snapshot)
        thresholds = ThresholdSource(configuration: configuration, router: snapshot, metrics: metrics, log: log)
    }

    /// The vectors of the latest queries it decided (at most `routing.live_window`), for a new
    /// router to score and calibrate its threshold on.
    func liveSample() -> LiveTraffic.Sample? {
        live.withLock { $0.traffic.sample(of: ObjectIdentifier(self)) }
    }

    /// Ready while it holds its assignment (or knows it was given none), polls, and decides
    /// whenever records wait.
    public func readiness() -> Readiness { status.answer() }

    /// Replaces the router for the batches that follow (new battles or ratings). A router built
    /// on this stage's live sample (a new ratings version) scores its latest queries anew: the
    /// live strong share is measured again at the threshold the next batch will use, and logged.
    public func swap(_ next: RouterSnapshot) {
        let previous = snapshot.withLock { current in
            defer { current = next }
            return current
        }
        thresholds.swapped(previous, for: next)
        counters.report(router: next)
        guard let scores = next.liveScores, scores.window == ObjectIdentifier(self) else { return }
        live.withLock { $0.traffic.rescore(scores) }
        reviewLiveShare(at: thresholds.threshold(of: next), ratingsVersion: next.ratingsVersion,
                        after: "ratings version \(next.ratingsVersion)")
    }

    /// Measures and logs the live strong share at the threshold in use after `cause` (a price
    /// change), with the warnings it newly owes.
    func reportLiveShare(after cause: String) {
        let router = snapshotInUse
        reviewLiveShare(at: thresholds.threshold(of: router), ratingsVersion: router.ratingsVersion, after: cause)
    }

    /// The share of the latest queries `threshold` sends strong, once the window holds
    /// `routing.live_minimum`: the metric, and the warnings newly owed (logged and counted);
    /// with a `cause` the share is logged even without a warning. Nil `cause`: after a batch.
    private func reviewLiveShare(at threshold: Double, ratingsVersion: String, after cause: String?) {
        let minimum = configuration.routing.liveMinimum
        let (queries, share, warnings) = live.withLock { live -> (Int, Double?, [LiveStrongShare.Warning]) in
            let queries = live.traffic.count
            guard queries >= minimum, let share = live.traffic.strongShare(at: threshold) else { return (queries, nil, []) }
            return (queries, share, live.share.review(share: share, over: queries))
        }
        guard let share else {
            if let cause {
                log(.info, "too few recent queries to measure the live strong share",
                    ["queries": queries, "live_minimum": minimum, "after": cause])
            }
            return
        }
        counters.metrics.set(.liveStrongShare, to: share)
        for warning in warnings {
            counters.metrics.increment(.strongShareWarnings, labels: ["sample": "live", "reason": warning.reason.rawValue])
            log(.warning, warning.message, ["live_strong_share": share, "threshold": threshold, "ratings_version": ratingsVersion,
                                            "after": cause ?? "batch"])
        }
        if let cause, warnings.isEmpty {
            log(.info, "strong share on recent traffic", ["live_strong_share": share, "queries": queries, "threshold": threshold,
                                                          "after": cause])
        }
    }

    /// Replaces the prices for the batches that follow (new price book rows).
    public func take(_ next: RoutePrices) {
        prices.withLock { $0 = next }
        counters.report(prices: next)
    }

    /// The threshold the next batch will be decided with.
    public var thresholdInUse: Double {
        thresholds.threshold(of: snapshotInUse)
    }

    /// The router the next batch will be routed with.
    public var snapshotInUse: RouterSnapshot {
        snapshot.withLock { $0 }
    }

    /// Runs until shutdown is requested; the batch in flight is finished and committed first.
    /// The calling thread becomes the stage's thread (named `route`): it polls, parses, decides,
    /// produces and commits, while a thread of the stage's own ranks.
    public func run() throws {
        nameCurrentThread("route")
        let processor = RouteBatchProcessor(configuration: configuration, embedder: embedder)
        // Kept across sessions: decisions made before a restart still count until booked.
        let budgets = try configuration.tenantBudgetRefreshSeconds.map { seconds in
            TenantBudgetGuard(database: try configuration.databaseSettings(), refreshInterval: .milliseconds(Int(seconds * 1_000)),
                              metrics: counters.metrics, log: log)
        }
        try runRestarting({ try runSession(processor, budgets: budgets) }, shutdown: shutdown, log: log,
                          message: "kafka failure; restarting from the committed offsets")
    }

    /// A batch polled and parsed, being ranked on the ranking thread.
    private struct BatchInFlight {
        let messages: [KafkaMessage]
        let polledAt: ContinuousClock.Instant
        let partitions: Set<KafkaTopicPartition>
    }

    /// One consumer and producer, from start (or restart) until shutdown or a failure.
    ///
    /// Pipelined one batch deep: while batch n is ranked on the ranking thread (both cores),
    /// this thread polls and parses batch n + 1, then takes n's ranking, starts n + 1's, and
    /// decides, produces and commits n (see docs/ARCHITECTURE.md, "What runs where"). Batches
    /// are still decided and committed one at a time and in order, each with its own offsets.
    private func runSession(_ processor: RouteBatchProcessor, budgets: TenantBudgetGuard?) throws {
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: configuration.kafka.groupID))
        let transactionalID = configuration.exactlyOnce ? configuration.kafka.transactionalID : nil
        let producer = try KafkaProducer(configuration: configuration.kafkaProducer(transactionalID: transactionalID))
        if configuration.exactlyOnce { try producer.initTransactions(timeout: .seconds(60)) }
        try consumer.subscribe(topics: [configuration.topics.queries])
        log(.info, "consuming", ["topic": configuration.topics.queries, "group": configuration.kafka.groupID,
                                 "exactly_once": configuration.exactlyOnce])
        var watch = PollWatch(status, metrics: counters.metrics, log: log)
        let ranking = RankingThread(ranker: processor.ranker)
        var closed = false
        defer {
            ranking.stop()
            watch.ended(stopping: shutdown.isRequested)
            if !closed { try? consumer.close() }
        }
        var inFlight: BatchInFlight?
        while !shutdown.isRequested {
            let messages = try consumer.poll(maxMessages: configuration.batch.maxEvents,
                                             timeout: .milliseconds(max(configuration.batch.lingerMilliseconds, 1)))
            let polledAt = ContinuousClock.now
            _ = try watch.polled(consumer)
            if let batch = inFlight, !batch.partitions.isDisjoint(with: consumer.partitionsRevokedByLastPoll) {
                // Part of the batch in flight now belongs to another member, which reads it from
                // the committed offsets: it is dropped undecided, and what this member still owns
                // is read again from there.
                _ = ranking.ranking()
                inFlight = nil
                try consumer.rewindToCommitted(timeout: .seconds(60))
                log(.info, "partitions revoked while their records were being ranked; reading again from the committed offsets",
                    ["revoked": consumer.partitionsRevokedByLastPoll.count])
                continue
            }
            var next: BatchInFlight?
            if !messages.isEmpty {
                let inputs = messages.map { InputRecord(source: RecordPosition($0), key: $0.key, value: $0.value) }
                let parsed = processor.parse(inputs, for: snapshot.withLock { $0 })
                next = BatchInFlight(messages: messages, polledAt: polledAt,
                                     partitions: Set(messages.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) }))
                let previous = inFlight.map { ($0, ranking.ranking()) }
                ranking.start(parsed)
                if let (batch, ranked) = previous {
                    try deliver(batch, ranked, processor: processor, budgets: budgets, consumer: consumer, producer: producer)
                }
            } else if let batch = inFlight {
                try deliver(batch, ranking.ranking(), processor: processor, budgets: budgets, consumer: consumer, producer: producer)
            }
            inFlight = next
        }
        // The batch in flight is finished and committed before leaving the group.
        if let batch = inFlight {
            try deliver(batch, ranking.ranking(), processor: processor, budgets: budgets, consumer: consumer, producer: producer)
        }
        closed = true
        try consumer.close()
        log(.info, "stopped", ["reason": shutdown.reason ?? "shutdown", "routed": counters.snapshot().routed])
    }

    /// Decides a ranked batch at the threshold, prices and budgets in effect once the batch
    /// before it is committed, produces the decisions, and commits its offsets: in one
    /// transaction with `exactly_once`, otherwise after every output is acknowledged.
    private func deliver(_ batch: BatchInFlight, _ ranked: RankedRouteBatch, processor: RouteBatchProcessor,
                         budgets: TenantBudgetGuard?, consumer: KafkaConsumer, producer: KafkaProducer) throws {
        let router = ranked.parsed.snapshot
        let threshold = thresholds.nextBatch(router: router)
        // One decision time for the batch: its decisions are estimated at the prices in
        // effect then, which the ledger charges them at.
        let decidedAt = Date()
        let estimatedAt = prices.withLock { $0 }.inEffect(at: decidedAt)
        var result = processor.decide(ranked, threshold: threshold.threshold, prices: estimatedAt, now: decidedAt,
                                      exhausted: budgets?.exhausted() ?? [:])
        if let record = threshold.record { result.records.append(record) }
        let offsets = KafkaTopicPartitionOffset.committing(batch.messages)
        if configuration.exactlyOnce {
            try producer.beginTransaction()
            do {
                try send(result.records, with: producer)
                try producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata(), timeout: .seconds(60))
                try producer.commitTransaction(timeout: .seconds(60))
            } catch {
                try? producer.abortTransaction(timeout: .seconds(60))
                throw error
            }
        } else {
            try send(result.records, with: producer)
            try producer.flush(timeout: .seconds(120)).requireDelivered()
            try consumer.commit(offsets)
        }
        counters.record(result, messages: batch.messages, latency: ContinuousClock.now - batch.polledAt)
        if let promptCache {
            let (hits, misses) = promptCache.takeCounts()
            counters.metrics.increment(.promptCacheHits, by: Double(hits))
            counters.metrics.increment(.promptCacheMisses, by: Double(misses))
        }
        status.progressed()
        live.withLock { $0.traffic.add(result.queries, strongUpTo: result.strongUpTo) }
        reviewLiveShare(at: threshold.threshold, ratingsVersion: router.ratingsVersion, after: nil)
        thresholds.committed(threshold, decisions: result.decisions, prices: estimatedAt)
        budgets?.committed(result.decisions)
    }

    private func send(_ records: [OutputRecord], with producer: KafkaProducer) throws {
        for record in records {
            try producer.send(topic: record.topic, key: record.key, value: record.value)
        }
    }
}

/// What a stage has done so far, for logs, benchmarks and the metrics endpoint.
public final class StageCounters: Sendable {
    public struct Snapshot: Sendable {
        public var events = 0
        public var routed = 0
        public var rejected: [EventRejection.Kind: Int] = [:]
        public var batches = 0
        public var strongDecisions = 0
        /// Summed estimated cost of the decisions, and what the reference model would have cost.
        public var estimatedCost = MicroUSD.zero
        public var referenceCost = MicroUSD.zero
        /// Per-batch processing latencies, seconds (most recent 10,000 batches).
        public var batchLatencies: [Double] = []
    }

    private let state = Mutex(Snapshot())
    let metrics: MetricsRegistry
    private let routerVersion: String

    init(metrics: MetricsRegistry, routerVersion: String) {
        self.metrics = metrics
        self.routerVersion = routerVersion
    }

    /// The router now in use; the labels of the one before disappear.
    func report(router snapshot: RouterSnapshot) {
        metrics.replace(.routerInfo, matching: [:],
                        with: [["ratings_version": snapshot.ratingsVersion, "router_version": routerVersion]: 1])
        metrics.set(.kernelSharpness, labels: ["stage": "route"], to: snapshot.ranker.sharpness)
    }

    /// The price book the stage estimates from (nothing while it has none: configured prices).
    func report(prices: RoutePrices) {
        guard let version = prices.bookVersion else { return }
        metrics.set(.priceBookVersion, labels: ["stage": "route"], to: Double(version))
    }

    /// One committed batch: what `messages` turned into, `latency` after the batch was polled.
    func record(_ result: RouteBatchResult, messages: [KafkaMessage], latency: Duration) {
        let committed = Date()
        var estimatedCost = MicroUSD.zero
        var referenceCost = MicroUSD.zero
        for decision in result.decisions {
            estimatedCost = estimatedCost + MicroUSD(microunits: decision.estimatedCostMicroUSD)
            referenceCost = referenceCost + MicroUSD(microunits: decision.referenceCostMicroUSD)
        }
        let snapshot = state.withLock { state in
            state.events += messages.count
            state.routed += result.decisions.count
            state.batches += 1
            state.strongDecisions += result.decisions.count { $0.model == $0.referenceModel }
            state.estimatedCost = state.estimatedCost + estimatedCost
            state.referenceCost = state.referenceCost + referenceCost
            for (kind, count) in result.rejections { state.rejected[kind, default: 0] += count }
            state.batchLatencies.append(latency.seconds)
            if state.batchLatencies.count > 10_000 { state.batchLatencies.removeFirst(state.batchLatencies.count - 10_000) }
            return state
        }
        let stage: MetricsRegistry.Labels = ["stage": "route"]
        metrics.increment(.eventsIn, labels: stage, by: Double(messages.count))
        for (topic, records) in Dictionary(grouping: result.records, by: \.topic) {
            metrics.increment(.eventsOut, labels: ["stage": "route", "output": topic], by: Double(records.count))
        }
        for (model, decisions) in Dictionary(grouping: result.decisions, by: \.model) {
            metrics.increment(.decisions, labels: ["model": model], by: Double(decisions.count))
        }
        for (kind, count) in result.rejections {
            metrics.increment(.deadLetters, labels: ["stage": "route", "reason": kind.rawValue], by: Double(count))
        }
        metrics.observe(.batchSize, labels: stage, Double(messages.count))
        metrics.observe(.batchSeconds, latency.seconds)
        let queuedSince = Dictionary(messages.map {
            (RecordPosition($0), $0.timestamp)
        }) { first, _ in first }
        // A producer's clock ahead of ours would give a negative wait: counted as none.
        metrics.observe(.decisionLatency, result.decisions.compactMap { decision in
            queuedSince[decision.source]?.map { max(0, committed.timeIntervalSince($0)) }
        })
        if result.embeddedTexts > 0 {
            metrics.increment(.embeddedTexts, by: Double(result.embeddedTexts))
            metrics.observe(.embeddingSeconds, result.embeddingTime.seconds)
        }
        if !result.decisions.isEmpty { metrics.observe(.rankingSeconds, result.rankingTime.seconds) }
        metrics.increment(.estimatedCost, by: estimatedCost)
        metrics.increment(.referenceCost, by: referenceCost)
        metrics.set(.estimatedSavings, to: snapshot.referenceCost - snapshot.estimatedCost)
        if snapshot.routed > 0 {
            metrics.set(.strongShare, to: Double(snapshot.strongDecisions) / Double(snapshot.routed))
        }
    }

    public func snapshot() -> Snapshot {
        state.withLock { $0 }
    }
}
