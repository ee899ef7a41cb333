import Ledger
import Postgres
import Streams
import TestSupport
import Testing

/// A query is billed by one decision at a time: a second decision for it is refused until the
/// first is superseded, on purpose and with a reason; a superseded decision counts nowhere.
/// Prices as in LedgerWriterTests: weak 1 and 2 µ$ a token, strong 10 and 30.
@Suite struct OneBillPerQueryTests {
    private typealias Data = LedgerTestData

    private func withLedger(_ body: (PostgresConnection, LedgerWriter) throws -> Void) throws {
        try Data.withPricedLedger(body)
    }

    /// Inserts, as the schema's owner, a copy of a row under another decision id and router version.
    private func copyOfRow(_ decisionID: String, as copyID: String, routerVersion: String, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO ledger (decision_id, query_id, tenant, decided_at, chosen_model, reference_model, router_version, threshold,
                                strong_win_rate, price_id, reference_price_id, estimated_input_tokens, estimated_output_tokens,
                                estimated_cost, estimated_reference_cost, kafka_topic, kafka_partition, kafka_offset)
            SELECT $2, query_id, tenant, decided_at, chosen_model, reference_model, $3, threshold, strong_win_rate,
                   price_id, reference_price_id, estimated_input_tokens, estimated_output_tokens, estimated_cost,
                   estimated_reference_cost, kafka_topic, kafka_partition, kafka_offset
            FROM ledger WHERE decision_id = $1
            """, [.text(decisionID), .text(copyID), .text(routerVersion)])
    }

    private func total(_ connection: PostgresConnection) throws -> AuditTotals {
        try AuditQuery().run(on: connection).total
    }

    @Test func aSecondDecisionIsRefusedUntilTheFirstIsSuperseded() throws {
        try withLedger { connection, writer in
            try writer.write(Data.batch([Data.decision("q1", offset: 0)]))
            // A naive re-route: the same query under a new router version, to the strong model.
            let rerouted = Data.decision("q1", model: "strong", offset: 1, routerVersion: "sw-v2")
            let refused = try writer.write(Data.batch([rerouted]))
            #expect(refused.decisionsRecorded == 0)
            #expect(refused.rejections.map(\.reason) == [.duplicateQuery])
            #expect(refused.rejections.first?.message.contains("decision d-acme-q1 of router version 'sw-v1'") == true)
            #expect(try total(connection).requests == 1)
            #expect(try total(connection).cost == MicroUSD(microunits: 2_000))

            let superseded = try LedgerSupersession.supersede(decisionID: "d-acme-q1", reason: "re-routed under sw-v2", on: connection)
            #expect([superseded.tenant, superseded.queryID, superseded.routerVersion] == ["acme", "q1", "sw-v1"])
            #expect(try total(connection).requests == 0)
            // Booked again, as `ledger retry-deadletters` does: a group whose offsets are not past it.
            let retry = try LedgerWriter(connection: connection, consumerGroup: "ledger.retry")
            #expect(try retry.write(Data.batch([rerouted])).decisionsRecorded == 1)
            // 1,000 × 10 + 500 × 30 µ$: the strong decision is the bill now, the weak one kept beside it.
            #expect(try total(connection).requests == 1)
            #expect(try total(connection).cost == MicroUSD(microunits: 25_000))
            let kept = try connection.query("""
                SELECT superseded_reason, superseded_by = current_user AS by_me FROM ledger WHERE decision_id = 'd-acme-q1'
                """)
            #expect(try kept.first?.decode(String.self, column: "superseded_reason") == "re-routed under sw-v2")
            #expect(try kept.first?.decode(Bool.self, column: "by_me") == true)
            #expect(try LedgerReconciliation.rollupDifferences(on: connection).isEmpty)
            #expect(try LedgerReconciliation.duplicateBills(on: connection).isEmpty)
        }
    }

    @Test func aSecondDecisionInTheSameBatchIsRefused() throws {
        try withLedger { connection, writer in
            let summary = try writer.write(Data.batch([Data.decision("q1", offset: 0),
                                                       Data.decision("q1", model: "strong", offset: 1, routerVersion: "sw-v2")]))
            #expect(summary.decisionsRecorded == 1)
            #expect(summary.rejections.map(\.position.offset) == [1])
            #expect(summary.rejections.first?.message.contains("earlier in this batch") == true)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 1)
        }
    }

    /// The same decision delivered again is one row, not a refusal, superseded or not.
    @Test func aDecisionDeliveredAgainIsNotASecondBill() throws {
        try withLedger { connection, writer in
            let decision = Data.decision("q1", offset: 0)
            try writer.write(Data.batch([decision]))
            let again = try LedgerWriter(connection: connection, consumerGroup: "other").write(Data.batch([decision]))
            #expect(again.rejections.isEmpty && again.duplicateDecisions == 1)
        }
    }

    @Test func answeredSupersededAndUnknownDecisionsCannotBeSuperseded() throws {
        try withLedger { connection, writer in
            try writer.write(Data.batch([Data.decision("q1", offset: 0), Data.decision("q2", offset: 1)],
                                        [Data.usage("q1", input: 10, output: 10, offset: 0)]))
            #expect { try LedgerSupersession.supersede(decisionID: "d-acme-q1", reason: "why", on: connection) } throws: { error in
                "\(error)".contains("was answered")
            }
            try LedgerSupersession.supersede(decisionID: "d-acme-q2", reason: "first", on: connection)
            #expect { try LedgerSupersession.supersede(decisionID: "d-acme-q2", reason: "second", on: connection) } throws: { error in
                "\(error)".contains("already superseded (first)")
            }
            #expect { try LedgerSupersession.supersede(decisionID: "nope", reason: "why", on: connection) } throws: { error in
                "\(error)".contains("not in the ledger")
            }
            #expect { try LedgerSupersession.supersede(decisionID: "d-acme-q2", reason: "  ", on: connection) } throws: { error in
                "\(error)".contains("reason")
            }
            // Nor may anyone, the owner included, withdraw a supersession.
            #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE ledger SET superseded_at = NULL, superseded_reason = NULL, superseded_by = NULL WHERE decision_id = 'd-acme-q2'")
            }
        }
    }

    /// A report naming a superseded decision is refused; one naming only its query is booked on
    /// the query's billed decision.
    @Test func usageGoesToTheBilledDecision() throws {
        try withLedger { connection, writer in
            try writer.write(Data.batch([Data.decision("q1", offset: 0)]))
            try LedgerSupersession.supersede(decisionID: "d-acme-q1", reason: "re-routed", on: connection)
            try LedgerWriter(connection: connection, consumerGroup: "retry")
                .write(Data.batch([Data.decision("q1", model: "strong", offset: 1, routerVersion: "sw-v2")]))
            let summary = try writer.write(Data.batch([], [Data.usage("q1", naming: "d-acme-q1", input: 10, output: 10, offset: 0),
                                                           Data.usage("q1", model: "strong", input: 100, output: 10, offset: 1)]))
            #expect(summary.rejections.map(\.reason) == [.supersededDecision])
            #expect(summary.usageRecorded == 1)
            #expect(try Data.row("d-acme-q1-sw-v2", on: connection)?.actualCost == 1_300)
            #expect(try Data.row("d-acme-q1", on: connection)?.actualCost == nil)
        }
    }

    /// Rows billed twice before the ledger refused it (the guarantee switched off here, as a
    /// database from before it would hold them) are a reconciliation failure until one is
    /// superseded; with the guarantee on, not even the owner writes a second bill.
    @Test func reconciliationNamesAQueryBilledTwice() throws {
        try withLedger { connection, writer in
            try connection.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_one_bill_per_query")
            try writer.write(Data.batch([Data.decision("q1", offset: 0)]))
            try copyOfRow("d-acme-q1", as: "d-twice", routerVersion: "sw-v2", on: connection)
            let twice = try LedgerReconciliation.duplicateBills(on: connection).map(\.description)
            #expect(twice.count == 1)
            #expect(twice.first?.contains("query 'q1' of tenant 'acme' is billed 2 times: d-acme-q1 (sw-v1), d-twice (sw-v2)") == true)

            try connection.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_one_bill_per_query")
            #expect { try copyOfRow("d-acme-q1", as: "d-thrice", routerVersion: "sw-v3", on: connection) } throws: { error in
                (error as? PostgresError)?.sqlState == .uniqueViolation
            }

            try LedgerSupersession.supersede(decisionID: "d-twice", reason: "billed twice before 0011", on: connection)
            #expect(try LedgerReconciliation.duplicateBills(on: connection).isEmpty)
            #expect(try LedgerReconciliation.rollupDifferences(on: connection).isEmpty)
        }
    }
}
