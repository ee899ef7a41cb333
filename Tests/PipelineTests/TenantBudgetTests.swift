import Foundation
import Kafka
import Ledger
import Postgres
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// Tenant budgets in a running route stage, on the embedded broker and a private PostgreSQL. A
/// strong decision of `queryEvent`'s 8-byte prompt is estimated at 2 input and 256 output tokens:
/// 2 × $10 + 256 × $30 per million = 7,700 µ$; a weak one 2 × $0.5 + 256 × $1.5 = 385 µ$.
@Suite(.serialized) struct TenantBudgetTests {
    private static let batch = 20
    private static let strongCost: Int64 = 7_700

    /// Runs a burst of 500 queries that would all go strong through a stage whose tenant "acme"
    /// has a $0.10 monthly budget under `policy`; returns the decisions and the dead letters.
    private func burst(policy: TenantBudget.Policy, booked: Bool = false) throws -> (decisions: [RoutingDecision], deadLetters: [DeadLetterRecord]) {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try TenantBudget.set(tenant: "acme", period: .month, limit: MicroUSD(dollars: "0.10")!, policy: policy, on: connection)
            if booked {
                // Spend the ledger booked this month: $0.20, past the budget before the burst.
                try PriceBook.record(configured: [("strong", TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
                                                  ("weak", TokenPrice(inputPerMillion: MicroUSD(dollars: "1")!, outputPerMillion: MicroUSD(dollars: "1")!))],
                                     on: connection)
                let now = try PriceBook.currentTime(on: connection)
                let earlier = try LedgerDecision(decisionID: "d0", queryID: "earlier", tenant: "acme", decidedAt: now, chosenModel: "strong",
                                                 referenceModel: "strong", routerVersion: "v0", threshold: 0.5, strongWinRate: 0.9,
                                                 estimatedInputTokens: 20_000, estimatedOutputTokens: 0,
                                                 position: RecordPosition(topic: "earlier", partition: 0, offset: 0), requestedAt: now)
                try LedgerWriter(connection: connection, consumerGroup: "earlier").write(
                    LedgerBatch(decisions: [earlier], nextOffsets: [RecordPosition(topic: "earlier", partition: 0, offset: 1)]))
            }
            // One partition: the decisions are read back in the order they were made.
            var harness = try RouteStageHarness(routing: twoTopicRouting(threshold: 0.5), partitions: 1)
            harness.configuration.batch.maxEvents = Self.batch
            harness.configuration.databaseURL = database.connectionString
            harness.configuration.tenantBudgetRefreshSeconds = 0.1
            try harness.send((0..<500).map { (key: "k\($0 % 7)", value: queryEvent(id: "q\($0)", embedding: [1, 0, 0, 0])) })
            return try harness.whileRunning { _ in
                // Every query is decided or dead-lettered: 500 records on the two topics together.
                let deadline = ContinuousClock.now + .seconds(60)
                while harness.metrics.total(.eventsIn, matching: ["stage": "route"]) < 500, ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                let decided = Int(harness.metrics.total(.decisions))
                let decisions = try harness.read(harness.configuration.topics.decisions, count: decided)
                    .map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
                let letters = try harness.read(harness.configuration.topics.deadLetter, count: 500 - decided)
                    .map { try JSONDecoder().decode(DeadLetterRecord.self, from: $0.value) }
                return (decisions, letters)
            }
        }
    }

    @Test func aBurstAtItsBudgetIsDeadLetteredPastOneBatch() throws {
        let (decisions, letters) = try burst(policy: .deadletter)
        let spent = decisions.reduce(Int64(0)) { $0 + $1.estimatedCostMicroUSD }
        #expect(decisions.allSatisfy { $0.model == "strong" })
        // The limit was reached, and passed by no more than one batch's estimates.
        #expect(spent >= 100_000)
        #expect(spent <= 100_000 + Int64(Self.batch) * Self.strongCost, "spent \(spent) µ$")
        #expect(decisions.count + letters.count == 500)
        #expect(letters.allSatisfy { $0.errorKind == "budget_exhausted" && $0.message.contains("monthly budget of $0.100000") })
    }

    @Test func atItsBudgetATenantGetsTheCheapestModel() throws {
        let (decisions, letters) = try burst(policy: .cheapest)
        #expect(letters.isEmpty && decisions.count == 500)
        let strong = decisions.filter { $0.model == "strong" }
        #expect(strong.count >= 13 && strong.count <= 13 + Self.batch, "\(strong.count) strong")
        // Once at the budget, never strong again.
        let firstWeak = try #require(decisions.firstIndex { $0.model == "weak" })
        #expect(decisions[firstWeak...].allSatisfy { $0.model == "weak" })
    }

    /// What the ledger booked this month counts: a tenant already past its budget gets the
    /// cheapest model from its first query.
    @Test func theLedgersBookedSpendCounts() throws {
        let (decisions, _) = try burst(policy: .cheapest, booked: true)
        #expect(decisions.count == 500 && decisions.allSatisfy { $0.model == "weak" })
    }
}
