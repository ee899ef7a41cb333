import Kafka
import Streams

/// What every stage's session does after each poll: logs changes of its assignment, measures
/// its lag (every 5 s) for the metrics and the stall watchdog, and tells its readiness.
struct PollWatch {
    private var assignment = AssignmentLog()
    private let lag: ConsumerLagReporter
    private let readiness: StageReadiness
    private let log: StageLog

    /// A session of the stage whose readiness this is has subscribed.
    init(_ readiness: StageReadiness, metrics: MetricsRegistry, log: StageLog) {
        self.readiness = readiness
        self.log = log
        lag = ConsumerLagReporter(stage: readiness.stage, metrics: metrics, log: log)
        readiness.sessionStarted()
    }

    var owned: Set<TopicPartition> { assignment.owned }

    /// After a poll: the partitions the stage owns now.
    mutating func polled(_ consumer: KafkaConsumer) throws -> Set<TopicPartition> {
        let owned = try assignment.update(consumer, log: log)
        readiness.polled(holding: owned, assignmentKnown: consumer.knowsItsAssignment)
        if let measured = lag.reportIfDue(consumer) { readiness.measured(measured) }
        return owned
    }

    /// The session is over: its partitions' lag is no longer the stage's to report.
    func ended(stopping: Bool) {
        lag.clear()
        readiness.sessionEnded(stopping ? "stopped" : "restarting after a failure")
    }
}
