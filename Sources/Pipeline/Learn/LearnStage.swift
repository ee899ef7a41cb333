import Embeddings
import Foundation
import Kafka
import Postgres
import Streams

/// The learn stage: reads votes (and the prompts of routed queries, for votes that name only
/// their query) from Kafka, and stores them as battles in PostgreSQL with its offsets in the
/// same transaction (`VoteLearner`), announcing new battles and ratings versions to routers.
///
/// Guarantees: each vote id is stored once. Offsets kept in the database decide where each
/// partition starts and what is new, so a crash or restart neither loses a vote nor steps Elo
/// twice; dead letters are produced before the commit, so they are at least once. Offsets are
/// committed to Kafka as well, after the database, for tools that watch consumer lag. Any Kafka or database failure
/// restarts the session from the stored offsets after a back-off; a database of another
/// embedder stops the stage.
public final class LearnStage: PipelineStage {
    public var name: String { "learn" }

    private let configuration: RouteLedgerConfiguration
    private let embedder: any Embedder
    private let database: PostgresSettings
    private let shutdown: ShutdownSignal
    private let log: StageLog
    public let counters: LearnCounters
    /// What `/readyz` answers, fed by the poll loop.
    let status: StageReadiness

    public init(configuration: RouteLedgerConfiguration, embedder: any Embedder, database: PostgresSettings, shutdown: ShutdownSignal,
                metrics: MetricsRegistry = MetricsRegistry(), log: StageLog = StageLog(component: "learn")) {
        self.configuration = configuration
        self.embedder = embedder
        self.database = database
        self.shutdown = shutdown
        self.log = log
        counters = LearnCounters(metrics: metrics, deadLetterTopic: configuration.topics.deadLetter,
                                 models: Set(configuration.models.map(\.name)))
        status = StageReadiness(stage: "learn", stallAfter: .seconds(configuration.stallAfterSeconds), metrics: metrics, log: log)
    }

    /// Ready while it holds its assignment (or knows it was given none), polls, and stores
    /// whenever records wait; before that its database state is loading.
    public func readiness() -> Readiness { status.answer() }

    public func run() throws {
        try runRestarting(runSession, shutdown: shutdown, log: log, message: "failure; restarting from the stored offsets",
                          isFinal: { $0 is LearningError })
    }

    private func runSession() throws {
        let connection = try PostgresConnection(database)
        let learner = try VoteLearner(configuration: configuration, embedder: embedder, connection: connection, counters: counters,
                                      log: log)
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: configuration.learning.groupID))
        let producer = try KafkaProducer(configuration: configuration.kafkaProducer())
        // Partitions start where the database says; those it has never seen, at the group's
        // committed offset. Later rebalances start from this session's first reading, and what
        // was stored since is skipped as not new.
        try consumer.subscribe(topics: [configuration.topics.votes, configuration.topics.queries], resumingFrom: learner.offsets.stored)
        log(.info, "consuming", ["topics": "\(configuration.topics.votes),\(configuration.topics.queries)",
                                 "group": configuration.learning.groupID, "embedder": embedder.identity,
                                 "ratings_version": learner.version?.label ?? "none"])
        var watch = PollWatch(status, metrics: counters.metrics, log: log)
        var closed = false
        defer {
            watch.ended(stopping: shutdown.isRequested)
            if !closed { try? consumer.close() }
        }
        while !shutdown.isRequested {
            let messages = try consumer.poll(maxMessages: configuration.batch.maxEvents,
                                             timeout: .milliseconds(max(configuration.batch.lingerMilliseconds, 1)))
            let started = ContinuousClock.now
            let before = watch.owned
            let owned = try watch.polled(consumer)
            if owned != before { learner.keepOnly(owned) }
            let inputs = messages.map { message in
                InputRecord(source: RecordPosition(message),
                            key: message.key, value: message.value)
            }.filter { learner.isNew($0.source) }
            let result = try learner.process(inputs) { deadLetters in
                for record in deadLetters {
                    try producer.send(topic: record.topic, key: record.key, value: record.value)
                }
                try producer.flush(timeout: .seconds(120)).requireDelivered()
            }
            if !messages.isEmpty { status.progressed() }
            guard let result else { continue }
            if !result.offsets.isEmpty { try consumer.commit(result.offsets.map(KafkaTopicPartitionOffset.init)) }
            counters.record(result, events: messages.count, votes: inputs.count { $0.source.topic == configuration.topics.votes },
                            latency: ContinuousClock.now - started)
        }
        closed = true
        try consumer.close()
        log(.info, "stopped", ["reason": shutdown.reason ?? "shutdown", "stored": counters.snapshot().stored])
    }
}
