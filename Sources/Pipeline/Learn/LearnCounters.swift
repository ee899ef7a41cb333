import Synchronization

/// What the learn stage has done so far, for logs, tests, benchmarks and `/metrics`.
public final class LearnCounters: Sendable {
    public struct Snapshot: Sendable {
        /// Vote records read (each counted once, however long it waited for its query).
        public var votes = 0
        /// Votes stored as new battles.
        public var stored = 0
        /// Votes whose id was stored before.
        public var duplicates = 0
        public var rejected: [EventRejection.Kind: Int] = [:]
        /// Prompts of routed queries recorded for later votes.
        public var queriesRecorded = 0
        /// Votes waiting for their query's prompt.
        public var pending = 0
        public var refits = 0
        /// Fits not recorded as ratings versions (`RatingsRefusal`).
        public var refusedVersions = 0
        /// The newest ratings version's id.
        public var ratingsVersion: Int64?
        public var batches = 0
    }

    private let state = Mutex(Snapshot())
    let metrics: MetricsRegistry
    private let deadLetterTopic: String
    /// The models whose names may label a series: the configured ones, never a vote's own
    /// choice, so the number of series stays the configuration's.
    private let labelledModels: Set<String>

    init(metrics: MetricsRegistry, deadLetterTopic: String, models: Set<String>) {
        self.metrics = metrics
        self.deadLetterTopic = deadLetterTopic
        labelledModels = models
    }

    /// One batch: `events` records read (votes and queries), `votes` of them votes.
    func record(_ result: LearnBatchResult, events: Int, votes: Int, latency: Duration) {
        state.withLock { state in
            state.votes += votes
            state.stored += result.stored
            state.duplicates += result.duplicates
            state.queriesRecorded += result.queriesRecorded
            state.pending = result.pending
            state.batches += 1
            for (kind, count) in result.rejections { state.rejected[kind, default: 0] += count }
        }
        metrics.increment(.eventsIn, labels: ["stage": "learn"], by: Double(events))
        metrics.increment(.votes, by: Double(votes))
        metrics.increment(.battlesStored, by: Double(result.stored))
        metrics.increment(.eventsOut, labels: ["stage": "learn", "output": "battles"], by: Double(result.stored))
        metrics.increment(.duplicateVotes, by: Double(result.duplicates))
        metrics.increment(.queryPromptsRecorded, by: Double(result.queriesRecorded))
        metrics.set(.pendingVotes, to: Double(result.pending))
        for (kind, count) in result.rejections {
            metrics.increment(.deadLetters, labels: ["stage": "learn", "reason": kind.rawValue], by: Double(count))
        }
        if !result.rejections.isEmpty {
            metrics.increment(.eventsOut, labels: ["stage": "learn", "output": deadLetterTopic],
                              by: Double(result.rejections.values.reduce(0, +)))
        }
        metrics.observe(.batchSize, labels: ["stage": "learn"], Double(events))
        metrics.observe(.learnBatchSeconds, latency.seconds)
    }

    func record(refit version: RatingsVersion, seconds: Double, online: [String: Double]) {
        state.withLock { state in
            state.refits += 1
            state.ratingsVersion = version.id
        }
        metrics.increment(.refits, labels: ["reason": version.reason.rawValue])
        metrics.observe(.refitSeconds, seconds)
        report(version: version)
        report(online: online)
    }

    func refused(_ reason: RatingsRefusal) {
        state.withLock { $0.refusedVersions += 1 }
        metrics.increment(.ratingsRefused, labels: ["reason": reason.rawValue])
    }

    func report(version: RatingsVersion) {
        state.withLock { $0.ratingsVersion = version.id }
        metrics.set(.ratingsVersion, labels: ["stage": "learn"], to: Double(version.id))
        if let sharpness = version.kernelSharpness { metrics.set(.kernelSharpness, labels: ["stage": "learn"], to: sharpness) }
        for (model, rating) in version.models where labelledModels.contains(model) {
            metrics.set(.modelRating, labels: ["model": model, "kind": "bradley_terry"], to: rating.rating)
            metrics.set(.modelTier, labels: ["model": model], to: Double(rating.tier))
        }
    }

    func report(online: [String: Double]) {
        for (model, rating) in online where labelledModels.contains(model) {
            metrics.set(.modelRating, labels: ["model": model, "kind": "elo"], to: rating)
        }
    }

    public func snapshot() -> Snapshot {
        state.withLock { $0 }
    }
}
