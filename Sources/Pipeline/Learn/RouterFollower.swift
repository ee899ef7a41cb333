import Embeddings
import Foundation
import Postgres
import Streams
import Synchronization

/// What a router starts with when its memory is the battles table: the memory loaded with
/// COPY, the newest ratings version, and the snapshot made of both.
public struct FollowedMemory: Sendable {
    public let snapshot: RouterSnapshot
    public let version: RatingsVersion
    var live: LiveMemory
    /// The newest retraction when it was loaded: the memory holds no battle retracted up to it.
    let retraction: Int64

    public var battles: Int { live.memory.count }

    /// Loads the battles (within `memory_limits`) and the newest ratings version
    /// (`TableMemory`). Refuses a database whose battles come from another embedder than
    /// `embedder` (nil: events bring their own vectors, of the table's dimension).
    public static func load(configuration: RouteLedgerConfiguration, connection: PostgresConnection,
                            embedder: (any Embedder)?) throws -> FollowedMemory {
        let table = try TableMemory.load(from: connection, embedder: embedder, limits: configuration.memoryLimits)
        let snapshot = try RouterSnapshot(rankerMemory: table.memory, tierOfModel: try table.version.tiers(of: table.memory.models),
                                          configuration: configuration, ratingsVersion: table.version.label, threshold: nil,
                                          storedSharpness: table.version.kernelSharpness)
        return FollowedMemory(snapshot: snapshot, version: table.version, live: table.live, retraction: table.retraction)
    }
}

/// Keeps route stages current with the learn stage, without a restart: listens for its
/// announcements (and looks every few seconds anyway), appends the new battles to the memory,
/// takes new ratings versions' tiers, and swaps a new snapshot into every stage between their
/// batches. Swaps are at most `learning.follow_interval_ms` apart, which bounds the cost of
/// rebuilding on a busy vote stream.
///
/// A database that cannot be reached never stops routing: the router goes on with what it has
/// and tries again.
public final class RouterFollower: PipelineStage {
    public var name: String { "follow" }

    /// How often to look without an announcement: they are lost while disconnected.
    static let fallbackLook: Duration = .seconds(5)
    /// Battles read per look; a look that fills it looks again at once.
    static let pageSize = 50_000

    private struct State: Sendable {
        var live: LiveMemory
        var version: RatingsVersion
        var threshold: Double
        /// The kernel sharpness the snapshots rank with until a new ratings version brings one.
        var sharpness: Double
        var retraction: Int64
    }

    private let configuration: RouteLedgerConfiguration
    private let listener: ChannelListener
    private let stages: [RouteStage]
    private let state: Mutex<State>
    private let shutdown: ShutdownSignal
    private let metrics: MetricsRegistry
    private let log: StageLog
    private let swapCount = Atomic(0)
    private let swapDurations = Mutex<[Double]>([])

    public init(_ start: FollowedMemory, stages: [RouteStage], configuration: RouteLedgerConfiguration, database: PostgresSettings,
                shutdown: ShutdownSignal, metrics: MetricsRegistry = MetricsRegistry(), log: StageLog = StageLog(component: "follow")) {
        state = Mutex(State(live: start.live, version: start.version, threshold: start.snapshot.threshold,
                            sharpness: start.snapshot.ranker.sharpness, retraction: start.retraction))
        self.stages = stages
        self.configuration = configuration
        listener = ChannelListener(channel: LearningAnnouncement.channel, database: database)
        self.shutdown = shutdown
        self.metrics = metrics
        self.log = log
        report(battles: start.live.memory.count, version: start.version)
    }

    /// Ready while it listens for announcements.
    public func readiness() -> Readiness {
        listener.isListening ? .ready("following the database") : .notReady("not connected to the database")
    }

    /// Snapshots swapped in so far.
    public var swaps: Int { swapCount.load(ordering: .acquiring) }

    /// How long the latest swaps (up to 1,000) took to read and build, seconds.
    public var recentSwapSeconds: [Double] { swapDurations.withLock { $0 } }

    /// The id of the last battle read from the table.
    public var lastBattleID: Int64 { state.withLock { $0.live.lastBattleID } }

    public func run() throws {
        try runRestarting({ try listener.whileListening(follow) }, shutdown: shutdown, log: log,
                          message: "cannot follow the database; routing goes on with the current memory")
    }

    private func follow(_ connection: PostgresConnection) throws {
        let clock = ContinuousClock()
        let interval = Duration.milliseconds(configuration.learning.followIntervalMilliseconds)
        // Look at once: announcements made before listening are lost.
        var due = true
        var lastLook = clock.now - interval
        while !shutdown.isRequested {
            if due {
                let remaining = lastLook + interval - clock.now
                if remaining > .zero {
                    _ = shutdown.wait(timeout: remaining)
                    continue
                }
                while try connection.nextNotification(timeout: .zero) != nil {}
                lastLook = clock.now
                due = try look(connection)
            } else if try connection.nextNotification(timeout: .milliseconds(250)) != nil || clock.now - lastLook >= Self.fallbackLook {
                due = true
            }
        }
    }

    /// Reads what is new and swaps a new snapshot in if anything is; returns true when there
    /// may be more to read at once. `run` looks after announcements; tests and benchmarks may
    /// look themselves (not while `run` runs).
    @discardableResult
    public func look(_ connection: PostgresConnection) throws -> Bool {
        let started = ContinuousClock.now
        var current = state.withLock { $0 }
        let latest = try RatingsVersionTable(connection).latest()
        let newVersion = latest.flatMap { $0.id != current.version.id ? $0 : nil }
        if let newVersion { current.version = newVersion }
        let version = current.version
        // Retracted battles may be anywhere in the memory: it is loaded again without them.
        let retraction = try BattleRetraction.lastID(on: connection)
        let reloaded = retraction != current.retraction
        if reloaded {
            current.live = try LiveMemory.load(from: connection, dimension: current.live.memory.dimension,
                                               limits: configuration.memoryLimits, rated: { version.models[$0] != nil })
            current.retraction = retraction
        }
        let rows = try BattleTable(connection).rows(after: current.live.lastBattleID, limit: Self.pageSize,
                                                    dimension: current.live.memory.dimension)
        guard newVersion != nil || rows.count > 0 || reloaded else { return false }
        let memoryBefore = current.live.memory.count
        try current.live.add(rows, rated: { version.models[$0] != nil })
        if newVersion != nil { try current.live.retryDeferred(rated: { version.models[$0] != nil }) }
        if newVersion != nil || current.live.needsCompaction { try current.live.compact() }
        let snapshot = try RouterSnapshot(
            rankerMemory: current.live.memory, tierOfModel: try version.tiers(of: current.live.memory.models),
            configuration: configuration, ratingsVersion: version.label, threshold: newVersion == nil ? current.threshold : nil,
            storedSharpness: newVersion == nil ? current.sharpness : newVersion?.kernelSharpness,
            liveSample: newVersion == nil ? nil : stages.first?.liveSample())
        current.threshold = snapshot.threshold
        current.sharpness = snapshot.ranker.sharpness
        for stage in stages { stage.swap(snapshot) }
        state.withLock { $0 = current }
        swapCount.add(1, ordering: .releasing)
        let seconds = (ContinuousClock.now - started).seconds
        swapDurations.withLock { durations in
            durations.append(seconds)
            if durations.count > 1_000 { durations.removeFirst(durations.count - 1_000) }
        }
        metrics.observe(.routerSwapSeconds, seconds)
        metrics.increment(.routerSwaps)
        report(battles: current.live.memory.count, version: version)
        if let newVersion {
            log(.info, "new ratings version", ["ratings_version": newVersion.label, "battles": current.live.memory.count,
                                               "candidates": snapshot.candidates.joined(separator: ","),
                                               "waiting_for_battles": snapshot.waitingCandidates.joined(separator: ","),
                                               "threshold": snapshot.threshold, "calibrated_on": snapshot.calibratedOn ?? "-",
                                               "kernel_sharpness": snapshot.ranker.sharpness, "seconds": seconds])
            if let selection = snapshot.sharpnessSelection {
                log(.info, "kernel sharpness chosen on the memory: the ratings version has none", ["choice": selection.summary])
            }
            // New tiers move what a fixed threshold sends strong.
            StrongShareCheck.report(snapshot, after: "ratings version \(newVersion.label)", metrics: metrics, log: log)
        } else {
            log(.debug, "battles appended", ["added": current.live.memory.count - memoryBefore, "seconds": seconds])
        }
        return rows.count == Self.pageSize
    }

    private func report(battles: Int, version: RatingsVersion) {
        metrics.set(.routerBattles, to: Double(battles))
        metrics.set(.ratingsVersion, labels: ["stage": "route"], to: Double(version.id))
    }
}
