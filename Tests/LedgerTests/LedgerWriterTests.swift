import Ledger
import Postgres
import Streams
import TestSupport
import Testing

/// The ledger writer against a real PostgreSQL server. Prices in the tests: "weak" costs $1 per
/// million input tokens and $2 per million output tokens (1 and 2 µ$ a token), "strong" $10
/// and $30; so the expected amounts below are plain products.
@Suite struct LedgerWriterTests {
    private typealias Data = LedgerTestData

    private func withLedger(_ body: (PostgresConnection, LedgerWriter) throws -> Void) throws {
        try Data.withPricedLedger(body)
    }

    @Test func aDecisionIsChargedThePricesInEffectAtItsDecisionTime() throws {
        try withLedger { connection, writer in
            let june = try Data.addPrice("weak", input: "0.5", output: "1", from: "2026-06-01T00:00:00Z", on: connection)
            let before = Data.decision("q1", at: "2026-05-31T23:59:59Z", offset: 0)
            let after = Data.decision("q2", at: "2026-06-01T00:00:00Z", offset: 1)
            let summary = try writer.write(Data.batch([before, after]))
            #expect(summary.decisionsRecorded == 2)
            // 1,000 input and 500 output tokens: weak 1,000 + 1,000 µ$ before June, 500 + 500 µ$ after.
            #expect(try Data.row("d-acme-q1", on: connection)?.estimatedCost == 2_000)
            #expect(try Data.row("d-acme-q2", on: connection)?.estimatedCost == 1_000)
            #expect(try Data.row("d-acme-q2", on: connection)?.estimatedReferenceCost == 25_000)
            let priceID = try connection.query("SELECT price_id FROM ledger WHERE decision_id = 'd-acme-q2'")[0].decode(Int64.self, column: "price_id")
            #expect(priceID == june)
        }
    }

    /// $0.15 per million: 30 tokens cost 4.5 µ$, which the rule rounds half to even to 4 (the
    /// server's own round() would give 5); 10 tokens cost 1.5 µ$ → 2.
    @Test func ledgerAmountsFollowTheOneRoundingRule() throws {
        try withLedger { connection, writer in
            try Data.addPrice("tiny", input: "0.15", output: "0", from: "-infinity", on: connection)
            try writer.write(Data.batch([Data.decision("q1", model: "tiny", input: 30, output: 7, offset: 0)],
                                        [Data.usage("q1", model: "tiny", input: 10, output: 0, offset: 0)]))
            let row = try #require(try Data.row("d-acme-q1", on: connection))
            #expect(row.estimatedCost == 4)
            #expect(row.actualCost == 2)
        }
    }

    @Test(arguments: [false, true])
    func usageIsRecordedOnItsDecisionWhicheverArrivesFirst(_ usageFirst: Bool) throws {
        try withLedger { connection, writer in
            let decision = Data.decision("q1", offset: 0)
            let usage = Data.usage("q1", input: 800, output: 300, offset: 0)
            if usageFirst {
                let held = try writer.write(Data.batch([], [usage]))
                #expect(held.usageHeld == 1)
                #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 1)
                let matched = try writer.write(Data.batch([decision]))
                #expect(matched.usageRecorded == 1 && matched.usageFromHolding == 1)
            } else {
                try writer.write(Data.batch([decision]))
                #expect(try writer.write(Data.batch([], [usage])).usageRecorded == 1)
            }
            // 800 input and 300 output tokens: weak 800 + 600 µ$, strong 8,000 + 9,000 µ$.
            let row = try #require(try Data.row("d-acme-q1", on: connection))
            #expect(row == Data.Row(estimatedCost: 2_000, estimatedReferenceCost: 25_000, actualCost: 1_400,
                                    actualReferenceCost: 17_000, actualInputTokens: 800, savings: 15_600))
            #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 0)
        }
    }

    @Test func aReportInItsDecisionsBatchGoesInWithTheDecision() throws {
        try withLedger { connection, writer in
            let summary = try writer.write(Data.batch([Data.decision("q1", offset: 0), Data.decision("q2", offset: 1)],
                                                      [Data.usage("q1", naming: "d-acme-q1", input: 800, output: 300, offset: 0)]))
            #expect(summary.decisionsRecorded == 2 && summary.usageRecorded == 1 && summary.usageWithDecision == 1)
            // 800 input and 300 output tokens: weak 800 + 600 µ$, strong 8,000 + 9,000 µ$.
            #expect(try Data.row("d-acme-q1", on: connection)
                    == Data.Row(estimatedCost: 2_000, estimatedReferenceCost: 25_000, actualCost: 1_400,
                                actualReferenceCost: 17_000, actualInputTokens: 800, savings: 15_600))
            #expect(try Data.row("d-acme-q2", on: connection)?.actualCost == nil)
            // The day's totals: q1 at its actual costs, q2 at its estimated ones (2,000 and 25,000 µ$).
            let totals = try connection.query("SELECT decisions, decisions_with_usage, cost, savings FROM ledger_daily")
            #expect(totals.count == 1)
            #expect(try totals[0].decode(Int.self, column: "decisions") == 2 && totals[0].decode(Int.self, column: "decisions_with_usage") == 1)
            #expect(try totals[0].decode(PostgresNumeric.self, column: "cost").units(scale: 6) == 3_400)
            #expect(try totals[0].decode(PostgresNumeric.self, column: "savings").units(scale: 6) == 15_600 + 23_000)
        }
    }

    /// A report that waited for its decision came first: the batch's own report for that
    /// decision is the duplicate.
    @Test func aWaitingReportHasPrecedenceOverOneInItsDecisionsBatch() throws {
        try withLedger { connection, writer in
            try writer.write(Data.batch([], [Data.usage("q1", naming: "d-acme-q1", input: 100, output: 0, offset: 0)]))
            var refused: [LedgerRejection] = []
            let summary = try writer.write(Data.batch([Data.decision("q1", offset: 0)],
                                                      [Data.usage("q1", naming: "d-acme-q1", input: 200, output: 0, offset: 1)])) {
                refused = $0
            }
            #expect(summary.usageRecorded == 1 && summary.usageFromHolding == 1 && summary.usageWithDecision == 0)
            #expect(refused.map(\.reason) == [.duplicateUsage] && refused.map(\.position.offset) == [1])
            #expect(try Data.row("d-acme-q1", on: connection)?.actualInputTokens == 100)
            #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 0)
        }
    }

    /// The decision was in the ledger already (delivered twice): its report of the second
    /// delivery's batch is recorded on the row that is there.
    @Test func aReportBesideARedeliveredDecisionCompletesTheRecordedRow() throws {
        try withLedger { connection, writer in
            try writer.write(Data.batch([Data.decision("q1", offset: 0)]))
            let summary = try writer.write(Data.batch([Data.decision("q1", offset: 1)],
                                                      [Data.usage("q1", naming: "d-acme-q1", input: 800, output: 300, offset: 0)]))
            #expect(summary.duplicateDecisions == 1 && summary.usageRecorded == 1 && summary.usageWithDecision == 0)
            #expect(try Data.row("d-acme-q1", on: connection)?.actualCost == 1_400)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 1)
        }
    }

    /// The stage stores no offset past a record it holds back, so a restart reads again records
    /// that were written: a pair read again changes nothing and is refused for nothing.
    @Test func aPairReadAgainAfterARestartIsRecognised() throws {
        try withLedger { connection, writer in
            let pair = LedgerBatch(decisions: [Data.decision("q1", offset: 0)],
                                   usage: [Data.usage("q1", naming: "d-acme-q1", input: 800, output: 300, offset: 0)])
            #expect(try writer.write(pair).usageWithDecision == 1)
            var refused: [LedgerRejection] = []
            let again = try writer.write(pair) { refused = $0 }
            #expect(again.decisionsRecorded == 0 && again.duplicateDecisions == 1 && again.usageRecorded == 0)
            #expect(refused.isEmpty)
            #expect(try Data.row("d-acme-q1", on: connection)?.actualCost == 1_400)
        }
    }

    @Test func usageMatchesTheDecisionItNamesOrElseTheTenantsQuery() throws {
        try withLedger { connection, writer in
            // The same query id for two tenants; the second report names its decision.
            let usage = [Data.usage("q1", tenant: "acme", input: 100, output: 0, offset: 0),
                         Data.usage("q1", tenant: "globex", naming: "d-globex-q1", input: 200, output: 0, offset: 1)]
            try writer.write(Data.batch([], usage))
            try writer.write(Data.batch([Data.decision("q1", tenant: "globex", offset: 0),
                                         Data.decision("q1", tenant: "acme", offset: 1)]))
            #expect(try Data.row("d-acme-q1", on: connection)?.actualInputTokens == 100)
            #expect(try Data.row("d-globex-q1", on: connection)?.actualInputTokens == 200)
        }
    }

    @Test func aBatchWhoseOffsetsAreStoredIsNotRecordedAgain() throws {
        try withLedger { connection, writer in
            let batch = Data.batch([Data.decision("q1", offset: 0), Data.decision("q2", offset: 1)],
                                   [Data.usage("q1", input: 800, output: 300, offset: 0),
                                    Data.usage("q3", input: 1, output: 1, offset: 1)])
            try writer.write(batch)
            let again = try writer.write(batch)
            #expect(again.alreadyRecorded == 4)
            #expect(again.decisionsRecorded == 0 && again.usageRecorded == 0 && again.usageHeld == 0 && again.rejections.isEmpty)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 2)
            #expect(try connection.count("SELECT count(*) AS n FROM usage_awaiting_decision") == 1)
            #expect(try writer.offsetStore.read() == [TopicPartition(topic: "llm.decisions", partition: 0): 2,
                                                      TopicPartition(topic: "llm.usage", partition: 0): 2])
        }
    }

    @Test func aDecisionDeliveredTwiceIsOneRow() throws {
        try withLedger { connection, writer in
            let first = try writer.write(Data.batch([Data.decision("q1", offset: 0), Data.decision("q1", offset: 1)]))
            let later = try writer.write(Data.batch([Data.decision("q1", offset: 2)]))
            #expect(first.decisionsRecorded == 1 && later.decisionsRecorded == 0 && later.duplicateDecisions == 1)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 1)
        }
    }

    @Test func aFailureBeforeTheCommitLeavesNoTrace() throws {
        struct DeadLetterTopicDown: Error {}
        try withLedger { connection, writer throws in
            let batch = Data.batch([Data.decision("q1", offset: 0)], [Data.usage("q2", input: 1, output: 1, offset: 0)])
            #expect(throws: DeadLetterTopicDown.self) { try writer.write(batch) { _ in throw DeadLetterTopicDown() } }
            for table in ["ledger", "usage_awaiting_decision", "consumer_offsets", "ledger_daily"] {
                #expect(try connection.count("SELECT count(*) AS n FROM \(table)") == 0, "\(table)")
            }
            #expect(try writer.write(batch).decisionsRecorded == 1)
        }
    }

    @Test func refusedRecordsAreReportedWithTheirReasonAndCommittedPast() throws {
        try withLedger { connection, writer in
            var refused: [LedgerRejection] = []
            let summary = try writer.write(Data.batch(
                [Data.decision("q1", offset: 0), Data.decision("q2", model: "unpriced", offset: 1)],
                [Data.usage("q1", input: 10, output: 10, offset: 0),
                 Data.usage("q1", input: 20, output: 20, offset: 1),
                 Data.usage("q1", tenant: "acme", model: "strong", naming: "d-acme-q1", input: 5, output: 5, offset: 2)])) {
                refused = $0
            }
            #expect(summary.rejections == refused)
            #expect(refused.map(\.reason) == [.unpricedModel, .duplicateUsage, .duplicateUsage])
            #expect(refused.map(\.position.offset) == [1, 1, 2])
            #expect(refused[0].message.contains("'unpriced'"))
            #expect(refused[1].message.contains("llm.usage[0]@0"))

            // Another model's report is its spend, booked at that model ($10 / $30 per million:
            // 40 µ$ for one token each way); another tenant's is refused.
            let later = try writer.write(Data.batch([Data.decision("q3", offset: 2), Data.decision("q4", offset: 3)],
                                                    [Data.usage("q3", model: "strong", input: 1, output: 1, offset: 3),
                                                     Data.usage("q4", tenant: "globex", naming: "d-acme-q4", input: 1, output: 1, offset: 4)])) {
                refused = $0
            }
            #expect(refused.map(\.reason) == [.usageMismatch] && refused.first?.position.offset == 4)
            #expect(refused.first?.message.contains("is for 'acme'") == true)
            #expect(later.usageRecorded == 1 && later.usageDiffering == 1)
            #expect(try Data.row("d-acme-q3", on: connection)?.actualCost == 40)
            #expect(try Data.row("d-acme-q4", on: connection)?.actualCost == nil)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 3)
            #expect(try ConsumerOffsetStore(group: "ledger", on: connection).read().values.sorted() == [4, 5])
        }
    }

    @Test func theWriterRoleRecordsEverythingUnderRowLevelSecurity() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try connection.asRole(database.roles.priceAdmin) {
                try PriceBook.record(configured: [("weak", TokenPrice(inputPerMillion: Data.price("1"), outputPerMillion: Data.price("2"))),
                                                  ("strong", TokenPrice(inputPerMillion: Data.price("10"), outputPerMillion: Data.price("30")))],
                                     on: connection)
            }
            try connection.asRole(database.roles.writer) {
                let writer = try LedgerWriter(connection: connection, consumerGroup: "ledger")
                try writer.write(Data.batch([Data.decision("q2", offset: 0)], [Data.usage("q1", input: 1, output: 1, offset: 0)]))
                let summary = try writer.write(Data.batch([Data.decision("q1", offset: 1)], [Data.usage("q2", input: 1, output: 1, offset: 1)]))
                #expect(summary.decisionsRecorded == 1 && summary.usageRecorded == 2)
            }
            #expect(try connection.count("SELECT count(*) AS n FROM ledger WHERE actual_cost IS NOT NULL") == 2)
        }
    }
}

@Suite struct ConfiguredPriceTests {
    private typealias Data = LedgerTestData

    private func price(_ input: String, _ output: String) -> TokenPrice {
        TokenPrice(inputPerMillion: Data.price(input), outputPerMillion: Data.price(output))
    }

    @Test func aModelsFirstPriceAppliesToAllTimeAndAChangeAppliesFromThenOn() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let first = try PriceBook.record(configured: [("weak", price("1", "2"))], on: connection)
            #expect(first.map(\.effectiveFrom) == [.negativeInfinity])
            #expect(try PriceBook.record(configured: [("weak", price("1", "2"))], on: connection).isEmpty)

            let changed = try PriceBook.record(configured: [("weak", price("0.5", "2"))], on: connection)
            let book = try PriceBook.load(from: connection)
            #expect(book.history(of: "weak").map(\.tokenPrice) == [price("1", "2"), price("0.5", "2")])
            let change = try #require(changed.first?.effectiveFrom)
            let justBefore = PostgresTimestamp(microsecondsSince2000: change.microsecondsSince2000 - 1)
            #expect(book.price(of: "weak", at: justBefore)?.tokenPrice == price("1", "2"))
            #expect(book.price(of: "weak", at: change)?.tokenPrice == price("0.5", "2"))
            #expect(book.price(of: "other", at: change) == nil)
        }
    }
}
