import Foundation
import Kafka
import Ledger
@testable import Pipeline
import Postgres
import Streams
import Testing

/// The ledger stage's pairing buffer: what it holds back, and when it lets go.
@Suite struct LedgerPairingTests {
    private let start = ContinuousClock.now

    private func input(_ topic: String, _ partition: Int32, _ offset: Int64) -> InputRecord {
        InputRecord(source: RecordPosition(topic: topic, partition: partition, offset: offset), key: nil, value: Data())
    }

    private func decision(_ id: String, partition: Int32 = 0, offset: Int64) -> LedgerPairing.Decision {
        let decision = try! LedgerDecision(
            decisionID: id, queryID: "q-\(id)", tenant: "acme", decidedAt: PostgresTimestamp(microsecondsSince2000: 0),
            chosenModel: "weak", referenceModel: "strong", routerVersion: "v1", threshold: 0.5, strongWinRate: 0.4,
            estimatedInputTokens: 10, estimatedOutputTokens: 10,
            position: RecordPosition(topic: "llm.decisions", partition: partition, offset: offset))
        return (decision, input("llm.decisions", partition, offset))
    }

    private func report(naming id: String?, partition: Int32 = 0, offset: Int64) -> LedgerPairing.Report {
        let report = try! UsageReport(
            tenant: "acme", queryID: "q-\(id ?? "none")", decisionID: id, model: "weak", tokens: try! TokenCounts(input: 1, output: 1),
            completedAt: PostgresTimestamp(microsecondsSince2000: 0),
            position: RecordPosition(topic: "llm.usage", partition: partition, offset: offset))
        return (report, input("llm.usage", partition, offset))
    }

    private func ids(_ release: LedgerPairing.Release) -> [String] {
        release.decisions.map { "d:\($0.decision.decisionID)" } + release.usage.map { "u:\($0.report.decisionID ?? "-")" }
    }

    private static let decisionsPartition = TopicPartition(topic: "llm.decisions", partition: 0)
    private static let usagePartition = TopicPartition(topic: "llm.usage", partition: 0)

    @Test func aDecisionWaitsForItsReportAndTheyLeaveTogether() {
        var pairing = LedgerPairing(window: .seconds(5), capacity: 100)
        let first = pairing.admit(decisions: [decision("a", offset: 0), decision("b", offset: 1)],
                                  usage: [report(naming: "b", offset: 0), report(naming: nil, offset: 1)], now: start)
        // b's report came in the same batch; a report naming no decision never waits.
        #expect(ids(first) == ["d:b", "u:b", "u:-"])
        #expect(pairing.count == 1)
        #expect(pairing.earliestHeld(in: Self.decisionsPartition) == 0)
        #expect(pairing.earliestHeld(in: Self.usagePartition) == nil)

        let second = pairing.admit(decisions: [], usage: [report(naming: "a", offset: 2)], now: start + .seconds(1))
        #expect(ids(second) == ["d:a", "u:a"])
        #expect(pairing.count == 0 && pairing.earliestHeld(in: Self.decisionsPartition) == nil)
    }

    @Test func aReportWaitsForItsDecisionToo() {
        var pairing = LedgerPairing(window: .seconds(5), capacity: 100)
        #expect(pairing.admit(decisions: [], usage: [report(naming: "a", offset: 7)], now: start).isEmpty)
        #expect(pairing.earliestHeld(in: Self.usagePartition) == 7)
        #expect(ids(pairing.admit(decisions: [decision("a", offset: 3)], usage: [], now: start)) == ["d:a", "u:a"])
    }

    @Test func whatWaitedTheWholeWindowIsReleasedAlone() {
        var pairing = LedgerPairing(window: .seconds(5), capacity: 100)
        _ = pairing.admit(decisions: [decision("a", offset: 0)], usage: [], now: start)
        _ = pairing.admit(decisions: [decision("b", offset: 1)], usage: [], now: start + .seconds(3))
        #expect(pairing.admit(decisions: [], usage: [], now: start + .milliseconds(4_999)).isEmpty)
        #expect(ids(pairing.admit(decisions: [], usage: [], now: start + .seconds(5))) == ["d:a"])
        // b is now the partition's earliest held record: the offset to store stops there.
        #expect(pairing.earliestHeld(in: Self.decisionsPartition) == 1)
        #expect(ids(pairing.admit(decisions: [], usage: [], now: start + .seconds(8))) == ["d:b"])
    }

    @Test func overCapacityTheOldestAreReleased() {
        var pairing = LedgerPairing(window: .seconds(60), capacity: 2)
        _ = pairing.admit(decisions: [decision("a", offset: 0)], usage: [], now: start)
        _ = pairing.admit(decisions: [], usage: [report(naming: "x", offset: 0)], now: start + .seconds(1))
        let release = pairing.admit(decisions: [decision("b", offset: 1), decision("c", offset: 2)], usage: [],
                                    now: start + .seconds(2))
        #expect(ids(release) == ["d:a", "u:x"])
        #expect(pairing.count == 2)
    }

    @Test func aRecordDeliveredTwiceGoesWithItsTwin() {
        var pairing = LedgerPairing(window: .seconds(5), capacity: 100)
        _ = pairing.admit(decisions: [decision("a", offset: 0)], usage: [report(naming: "z", offset: 0)], now: start)
        let release = pairing.admit(decisions: [decision("a", partition: 1, offset: 0)], usage: [report(naming: "z", offset: 1)],
                                    now: start)
        #expect(release.decisions.map(\.decision.position.partition) == [0, 1])
        #expect(release.usage.map(\.report.position.offset) == [0, 1])
        #expect(pairing.count == 0)
    }

    /// Thousands of records released from the front of a partition's queue (which then drops
    /// them): the earliest still held is still the one found.
    @Test func theEarliestHeldSurvivesALongRunOfReleases() {
        var pairing = LedgerPairing(window: .seconds(60), capacity: 10_000)
        _ = pairing.admit(decisions: (0..<3_000).map { decision("d\($0)", offset: Int64($0)) }, usage: [], now: start)
        let release = pairing.admit(decisions: [], usage: (0..<2_000).map { report(naming: "d\($0)", offset: Int64($0)) },
                                    now: start)
        #expect(release.decisions.count == 2_000 && pairing.count == 1_000)
        #expect(pairing.earliestHeld(in: Self.decisionsPartition) == 2_000)
        #expect(pairing.earliestHeld(in: Self.decisionsPartition) == 2_000)
        _ = pairing.admit(decisions: [], usage: [report(naming: "d2000", offset: 2_000)], now: start)
        #expect(pairing.earliestHeld(in: Self.decisionsPartition) == 2_001)
    }

    @Test func aZeroWindowHoldsNothing() {
        var pairing = LedgerPairing(window: .zero, capacity: 100)
        let release = pairing.admit(decisions: [decision("a", offset: 0)], usage: [report(naming: "b", offset: 0)], now: start)
        #expect(ids(release) == ["d:a", "u:b"] && pairing.count == 0)
    }
}
