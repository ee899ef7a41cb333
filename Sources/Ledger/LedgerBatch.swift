import Streams

/// What one ledger transaction writes: the decisions and usage reports of a batch of records,
/// and for every partition the batch read from, the offset to read next (past the batch's
/// rejected records too, which have gone to the dead-letter topic).
public struct LedgerBatch: Sendable {
    public var decisions: [LedgerDecision]
    public var usage: [UsageReport]
    public var nextOffsets: [RecordPosition]

    public init(decisions: [LedgerDecision] = [], usage: [UsageReport] = [], nextOffsets: [RecordPosition] = []) {
        self.decisions = decisions
        self.usage = usage
        self.nextOffsets = nextOffsets
    }
}

/// A record of a batch that the ledger refused while writing, for the dead-letter topic.
public struct LedgerRejection: Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// No price of the chosen or the reference model was in effect at the decision's time.
        case unpricedModel
        /// The usage names another model or tenant than its decision.
        case usageMismatch
        /// The decision's actual usage was already recorded from another report.
        case duplicateUsage
        /// PostgreSQL refused a value the record carries; the message has its SQLSTATE.
        case refusedByDatabase
        /// A usage report waited longer than its limit for a decision that never came.
        case noDecision
        /// The query already has a billed decision (another router version, another model): a
        /// second one is booked only once the first is superseded.
        case duplicateQuery
        /// The usage report is for a decision that was superseded, which is no longer billed.
        case supersededDecision
    }

    public let position: RecordPosition
    public let reason: Reason
    public let message: String
}

/// What one ledger transaction did.
public struct LedgerWriteSummary: Sendable, Equatable {
    /// New ledger rows.
    public var decisionsRecorded = 0
    /// Decisions already in the ledger (the route stage may deliver one more than once).
    public var duplicateDecisions = 0
    /// Decisions whose actual usage was recorded, from this batch or from the holding table.
    public var usageRecorded = 0
    /// Of those, reports recorded in the same insert as their decision, both in this batch.
    public var usageWithDecision = 0
    /// Of those, reports that had been waiting in the holding table for their decision.
    public var usageFromHolding = 0
    /// Reports put in the holding table to wait for their decision.
    public var usageHeld = 0
    /// Of the reports recorded, those that name another model or query than their decision.
    public var usageDiffering = 0
    /// Records skipped because their offsets were already stored: another instance recorded them.
    public var alreadyRecorded = 0
    public var rejections: [LedgerRejection] = []

    public init() {}

    /// Adds what another part of the same transaction did.
    mutating func add(_ other: LedgerWriteSummary) {
        decisionsRecorded += other.decisionsRecorded
        duplicateDecisions += other.duplicateDecisions
        usageRecorded += other.usageRecorded
        usageWithDecision += other.usageWithDecision
        usageFromHolding += other.usageFromHolding
        usageHeld += other.usageHeld
        usageDiffering += other.usageDiffering
        alreadyRecorded += other.alreadyRecorded
        rejections += other.rejections
    }
}
