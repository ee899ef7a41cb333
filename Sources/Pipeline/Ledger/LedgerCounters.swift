import Ledger
import Synchronization

/// What the ledger stage has done so far, for logs, tests, benchmarks and `/metrics`.
public final class LedgerCounters: Sendable {
    public struct Snapshot: Sendable {
        /// Records read from the decisions and usage topics.
        public var records = 0
        public var rowsRecorded = 0
        public var duplicateDecisions = 0
        public var usageRecorded = 0
        /// Of those, reports recorded in the same insert as their decision (no update).
        public var usageWithDecision = 0
        /// Decisions and reports held back in memory, waiting for their counterpart (LedgerPairing).
        public var heldForPairing = 0
        /// Usage reports waiting in the holding table for their decision.
        public var usageHeld = 0
        /// Records another instance had recorded already.
        public var alreadyRecorded = 0
        public var rejected: [EventRejection.Kind: Int] = [:]
        public var batches = 0
    }

    private let state = Mutex(Snapshot())
    let metrics: MetricsRegistry
    private let deadLetterTopic: String

    init(metrics: MetricsRegistry, deadLetterTopic: String) {
        self.metrics = metrics
        self.deadLetterTopic = deadLetterTopic
    }

    public func snapshot() -> Snapshot { state.withLock { $0 } }

    func setHeldForPairing(_ held: Int) {
        state.withLock { $0.heldForPairing = held }
        metrics.set(.ledgerPairingHeld, to: Double(held))
    }

    func record(_ summary: LedgerWriteSummary, records: Int, rejected: [EventRejection.Kind: Int], latency: Duration) {
        state.withLock { state in
            state.records += records
            state.rowsRecorded += summary.decisionsRecorded
            state.duplicateDecisions += summary.duplicateDecisions
            state.usageRecorded += summary.usageRecorded
            state.usageWithDecision += summary.usageWithDecision
            state.usageHeld += summary.usageHeld - summary.usageFromHolding
            state.alreadyRecorded += summary.alreadyRecorded
            state.batches += 1
            for (kind, count) in rejected { state.rejected[kind, default: 0] += count }
        }
        metrics.increment(.eventsIn, labels: ["stage": "ledger"], by: Double(records))
        metrics.increment(.eventsOut, labels: ["stage": "ledger", "output": "ledger"], by: Double(summary.decisionsRecorded + summary.usageRecorded))
        metrics.increment(.ledgerRows, by: Double(summary.decisionsRecorded))
        metrics.increment(.ledgerDuplicateDecisions, by: Double(summary.duplicateDecisions))
        metrics.increment(.ledgerUsage, labels: ["outcome": "recorded"], by: Double(summary.usageRecorded))
        metrics.increment(.ledgerUsage, labels: ["outcome": "held"], by: Double(summary.usageHeld))
        metrics.increment(.ledgerUsage, labels: ["outcome": "recorded_differing"], by: Double(summary.usageDiffering))
        for (kind, count) in rejected {
            metrics.increment(.deadLetters, labels: ["stage": "ledger", "reason": kind.rawValue], by: Double(count))
        }
        if !rejected.isEmpty {
            metrics.increment(.eventsOut, labels: ["stage": "ledger", "output": deadLetterTopic], by: Double(rejected.values.reduce(0, +)))
        }
        metrics.observe(.batchSize, labels: ["stage": "ledger"], Double(records))
        metrics.observe(.ledgerBatchSeconds, latency.seconds)
    }
}
