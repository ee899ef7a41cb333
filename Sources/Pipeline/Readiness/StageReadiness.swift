import Kafka
import Streams
import Synchronization

/// The one owner of what a consuming stage's `/readyz` answers, fed by its poll loop: whether
/// a session is running, when it last polled, which partitions the group gave it (or that it
/// gave none), and the stall watchdog's finding.
///
/// The watchdog: a stage that holds partitions with records waiting (lag > 0) and makes no
/// progress for `stallAfter` is stalled. It is logged once, with the partitions and their lag,
/// and counted (`routeledger_stage_stalls_total`); the stage is not ready until it progresses
/// again. The lag clock starts at the first measurement that saw records waiting, so records
/// arriving at a stage idle for an hour are not a stall.
final class StageReadiness: Sendable {
    private struct State {
        /// Why no session is consuming; nil while one is.
        var idle: String? = "starting"
        var polledAt: ContinuousClock.Instant?
        /// nil until the group has said which partitions this member owns.
        var holding: Set<TopicPartition>?
        var progressedAt: ContinuousClock.Instant?
        var waitingSince: ContinuousClock.Instant?
        /// The watchdog's finding while stalled.
        var stall: String?
    }

    let stage: String
    /// A stall is this long without progress while records wait; a poll loop silent this long
    /// is not ready either (a call inside it has hung).
    let stallAfter: Duration
    private let metrics: MetricsRegistry
    private let log: StageLog
    private let state = Mutex(State())

    init(stage: String, stallAfter: Duration, metrics: MetricsRegistry, log: StageLog) {
        self.stage = stage
        self.stallAfter = stallAfter
        self.metrics = metrics
        self.log = log
    }

    /// A session subscribed: it is consuming, and waits for the group's assignment.
    func sessionStarted(at now: ContinuousClock.Instant = .now) {
        state.withLock { $0 = State(idle: nil, polledAt: now, progressedAt: now) }
    }

    /// The session ended: `reason` says why until the next one starts.
    func sessionEnded(_ reason: String) {
        state.withLock { $0 = State(idle: reason) }
    }

    /// One turn of the poll loop, with what the consumer holds now.
    func polled(holding: Set<TopicPartition>, assignmentKnown: Bool, at now: ContinuousClock.Instant = .now) {
        let known = !holding.isEmpty || assignmentKnown
        state.withLock { state in
            state.polledAt = now
            state.holding = known ? holding : nil
        }
    }

    /// The stage decided or recorded something: whatever stall there was is over.
    func progressed(at now: ContinuousClock.Instant = .now) {
        let ended = state.withLock { state in
            defer {
                state.progressedAt = now
                state.waitingSince = nil
                state.stall = nil
            }
            return state.stall
        }
        if ended != nil { log(.info, "progress resumed after a stall", ["stage": stage]) }
    }

    /// The watchdog's look at a lag measurement of the partitions the stage holds.
    func measured(_ lag: [KafkaPartitionLag], at now: ContinuousClock.Instant = .now) {
        let waiting = lag.filter { ($0.records ?? 0) > 0 }
        let found: String? = state.withLock { state in
            guard !waiting.isEmpty else {
                state.waitingSince = nil
                return nil
            }
            let since = max(state.waitingSince ?? now, state.progressedAt ?? now)
            state.waitingSince = state.waitingSince ?? now
            guard state.stall == nil, now - since >= stallAfter else { return nil }
            let finding = "nothing done for \(Int((now - since).seconds)) s while records wait: "
                + waiting.map { "\($0.topic)[\($0.partition)] lag \($0.records ?? 0)" }.joined(separator: ", ")
            state.stall = finding
            return finding
        }
        guard let found else { return }
        metrics.increment(.stageStalls, labels: ["stage": stage])
        log(.warning, "stalled", ["stage": stage, "finding": found])
    }

    func answer(at now: ContinuousClock.Instant = .now) -> Readiness {
        let state = state.withLock { $0 }
        if let idle = state.idle { return .notReady(idle) }
        if let polledAt = state.polledAt, now - polledAt > stallAfter {
            return .notReady("last poll \(Int((now - polledAt).seconds)) s ago")
        }
        guard let holding = state.holding else { return .notReady("waiting for the group to assign partitions") }
        if let stall = state.stall { return .notReady("stalled: \(stall)") }
        if holding.isEmpty { return .ready("the group gave it no partitions") }
        return .ready("holding " + holding.sorted().map(\.description).joined(separator: ","))
    }
}
