import Foundation
import Kafka

/// Publishes how far a stage's consumer is behind, per partition it owns
/// (`routeledger_consumer_lag`), at most once per `interval`. The ends are asked of the
/// brokers, not taken from the last fetch: a consumer that has fallen behind stops fetching
/// once its queue is full, and a cached end would then hide how far behind it is.
final class ConsumerLagReporter {
    private let stage: String
    private let metrics: MetricsRegistry
    private let log: StageLog
    private let interval: Duration
    private var lastReport: ContinuousClock.Instant?
    private var failing = false

    init(stage: String, metrics: MetricsRegistry, log: StageLog, interval: Duration = .seconds(5)) {
        self.stage = stage
        self.metrics = metrics
        self.log = log
        self.interval = interval
    }

    /// Measures and publishes the lag if `interval` has passed since the last time, and returns
    /// it (nil when not due or failed). A failure is logged once (until a measurement succeeds
    /// again) and leaves the stage running: the lag is for watching, and the stage's own Kafka
    /// calls report a broker that is gone.
    @discardableResult
    func reportIfDue(_ consumer: KafkaConsumer) -> [KafkaPartitionLag]? {
        let now = ContinuousClock.now
        if let lastReport, now - lastReport < interval { return nil }
        lastReport = now
        do {
            let lag = try consumer.lag(timeout: .seconds(2))
            var values: [MetricsRegistry.Labels: Double] = [:]
            for partition in lag {
                guard let records = partition.records else { continue }
                values[["stage": stage, "topic": partition.topic, "partition": "\(partition.partition)"]] = Double(records)
            }
            metrics.replace(.consumerLag, matching: ["stage": stage], with: values)
            failing = false
            return lag
        } catch {
            if !failing { log(.warning, "measuring consumer lag failed", ["error": error]) }
            failing = true
            return nil
        }
    }

    /// Removes the stage's lag: when its consumer closes, the partitions are no longer its own.
    func clear() {
        metrics.replace(.consumerLag, matching: ["stage": stage], with: [:])
    }
}
