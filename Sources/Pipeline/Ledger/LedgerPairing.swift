import Ledger
import Streams

/// Holds decisions and usage reports back from the ledger for a while, so that a decision and
/// the report naming it reach the writer in one batch: the row then goes in complete, in one
/// insert, instead of an insert and, when the report comes, an update (docs/LEDGER.md).
///
/// A held record's offset is not stored until the record is written, so after a crash or a
/// restart it is read again, with the records after it that were written already; the writer
/// recognises those (a decision by its id, a report by its position). A record is released
/// when its counterpart arrives, when it has been held for `window`, or, oldest first, when
/// more than `capacity` records are held. Reports that name no decision are never held.
struct LedgerPairing {
    typealias Decision = (decision: LedgerDecision, input: InputRecord)
    typealias Report = (report: UsageReport, input: InputRecord)

    /// What goes to the writer now, in the order it arrived (a pair's two records together).
    struct Release {
        var decisions: [Decision] = []
        var usage: [Report] = []

        var isEmpty: Bool { decisions.isEmpty && usage.isEmpty }
    }

    private struct Held<Record> {
        let record: Record
        let input: InputRecord
    }

    /// A held record's place in its partition's queue.
    private struct Place {
        let decisionID: String
        let isDecision: Bool
        let position: RecordPosition
        let since: ContinuousClock.Instant
    }

    let window: Duration
    let capacity: Int
    private var decisions: [String: Held<LedgerDecision>] = [:]
    private var reports: [String: Held<UsageReport>] = [:]
    /// Per partition, in offset order (the order records are read); entries of records already
    /// released are dropped when they reach the front.
    private var queues: [TopicPartition: [Place]] = [:]
    private var fronts: [TopicPartition: Int] = [:]

    init(window: Duration, capacity: Int) {
        self.window = window
        self.capacity = capacity
    }

    var count: Int { decisions.count + reports.count }

    /// Takes a batch's records; returns those to write now.
    mutating func admit(decisions newDecisions: [Decision], usage newUsage: [Report], now: ContinuousClock.Instant) -> Release {
        var release = Release()
        guard window > .zero, capacity > 0 else {
            return Release(decisions: newDecisions, usage: newUsage)
        }
        for new in newDecisions {
            let id = new.decision.decisionID
            if let report = reports.removeValue(forKey: id) {
                release.decisions.append(new)
                release.usage.append((report.record, report.input))
            } else if let earlier = decisions.removeValue(forKey: id) {
                // Delivered twice: both go, the earlier first; the writer keeps one.
                release.decisions += [(earlier.record, earlier.input), new]
            } else {
                decisions[id] = Held(record: new.decision, input: new.input)
                enqueue(Place(decisionID: id, isDecision: true, position: new.decision.position, since: now))
            }
        }
        for new in newUsage {
            guard let id = new.report.decisionID else {
                release.usage.append(new)
                continue
            }
            if let decision = decisions.removeValue(forKey: id) {
                release.decisions.append((decision.record, decision.input))
                release.usage.append(new)
            } else if let earlier = reports.removeValue(forKey: id) {
                // Two reports for one decision: both go, in the order they came.
                release.usage += [(earlier.record, earlier.input), new]
            } else {
                reports[id] = Held(record: new.report, input: new.input)
                enqueue(Place(decisionID: id, isDecision: false, position: new.report.position, since: now))
            }
        }
        releaseExpired(now: now, into: &release)
        return release
    }

    /// The offset of the earliest record still held from `partition`, if any.
    mutating func earliestHeld(in partition: TopicPartition) -> Int64? {
        front(of: partition)?.position.offset
    }

    private mutating func enqueue(_ place: Place) {
        queues[place.position.topicPartition, default: []].append(place)
    }

    private func isHeld(_ place: Place) -> Bool {
        place.isDecision ? decisions[place.decisionID]?.record.position == place.position
            : reports[place.decisionID]?.record.position == place.position
    }

    /// The partition's oldest record still held, dropping released ones from the front.
    private mutating func front(of partition: TopicPartition) -> Place? {
        guard let queue = queues[partition] else { return nil }
        var index = fronts[partition] ?? 0
        while index < queue.count, !isHeld(queue[index]) { index += 1 }
        if index == queue.count {
            queues[partition] = nil
            fronts[partition] = nil
            return nil
        }
        let place = queue[index]
        if index > 1_024 && index * 2 > queue.count {
            queues[partition] = Array(queue[index...])
            index = 0
        }
        fronts[partition] = index
        return place
    }

    /// Releases what was held for `window` or longer, then, oldest first, what is over capacity.
    private mutating func releaseExpired(now: ContinuousClock.Instant, into release: inout Release) {
        let partitions = Array(queues.keys)
        for partition in partitions {
            while let place = front(of: partition), now - place.since >= window { self.release(place, into: &release) }
        }
        while count > capacity {
            var oldest: Place?
            for partition in partitions {
                if let place = front(of: partition), oldest.map({ place.since < $0.since }) ?? true { oldest = place }
            }
            guard let oldest else { return }
            self.release(oldest, into: &release)
        }
    }

    private mutating func release(_ place: Place, into release: inout Release) {
        if place.isDecision, let held = decisions.removeValue(forKey: place.decisionID) {
            release.decisions.append((held.record, held.input))
        } else if !place.isDecision, let held = reports.removeValue(forKey: place.decisionID) {
            release.usage.append((held.record, held.input))
        }
    }
}
