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
        /// The newest ratings version's id.
        public var ratingsVersion: Int64?
        public var batches = 0
    }

    private let state = Mutex(Snapshot())
    private let consuming = Atomic(false)
    private let metrics: MetricsRegistry

    init(metrics: MetricsRegistry) {
        self.metrics = metrics
    }

    var isConsuming: Bool { consuming.load(ordering: .acquiring) }

    func setConsuming(_ value: Bool) {
        consuming.store(value, ordering: .releasing)
    }

    func record(_ result: LearnBatchResult, votes: Int, latency: Duration) {
        state.withLock { state in
            state.votes += votes
            state.stored += result.stored
            state.duplicates += result.duplicates
            state.queriesRecorded += result.queriesRecorded
            state.pending = result.pending
            state.batches += 1
            for (kind, count) in result.rejections { state.rejected[kind, default: 0] += count }
        }
        metrics.increment("routeledger_votes_total", help: "Vote events read by the learn stage.", by: Double(votes))
        metrics.increment("routeledger_battles_stored_total", help: "Votes stored as new battles.", by: Double(result.stored))
        metrics.increment("routeledger_duplicate_votes_total", help: "Votes whose id was stored before (ignored).",
                          by: Double(result.duplicates))
        metrics.increment("routeledger_query_prompts_recorded_total", help: "Prompts of routed queries recorded for votes that name their query.",
                          by: Double(result.queriesRecorded))
        metrics.set("routeledger_pending_votes", help: "Votes waiting for the prompt of the query they name.", to: Double(result.pending))
        for (kind, count) in result.rejections {
            metrics.increment("routeledger_dead_letters_total", help: "Events sent to the dead-letter topic, by reason.",
                              labels: ["stage": "learn", "reason": kind.rawValue], by: Double(count))
        }
        metrics.observe("routeledger_learn_batch_seconds", help: "Time from a batch's poll to its commit in the learn stage.",
                        bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], latency.seconds)
    }

    func record(refit version: RatingsVersion, seconds: Double, online: [String: Double]) {
        state.withLock { state in
            state.refits += 1
            state.ratingsVersion = version.id
        }
        metrics.increment("routeledger_refits_total", help: "Refits of the global ratings and tiers, by reason.",
                          labels: ["reason": version.reason.rawValue])
        metrics.observe("routeledger_refit_seconds", help: "Time to refit ratings, bootstrap intervals and tiers over all battles.",
                        bounds: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], seconds)
        report(version: version)
        report(online: online)
    }

    func report(version: RatingsVersion) {
        state.withLock { $0.ratingsVersion = version.id }
        metrics.set("routeledger_ratings_version", help: "Id of the ratings version in use (ratings-<id>).",
                    labels: ["stage": "learn"], to: Double(version.id))
        for (model, rating) in version.models {
            metrics.set("routeledger_model_rating", help: "Global rating of a model: the refit's (bradley_terry) or the online Elo one.",
                        labels: ["model": model, "kind": "bradley_terry"], to: rating.rating)
            metrics.set("routeledger_model_tier", help: "Tier of a model in the newest ratings version (0 is the strongest).",
                        labels: ["model": model], to: Double(rating.tier))
        }
    }

    func report(online: [String: Double]) {
        for (model, rating) in online {
            metrics.set("routeledger_model_rating", help: "Global rating of a model: the refit's (bradley_terry) or the online Elo one.",
                        labels: ["model": model, "kind": "elo"], to: rating)
        }
    }

    public func snapshot() -> Snapshot {
        state.withLock { $0 }
    }
}
