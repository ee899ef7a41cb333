import Foundation
import Ledger
import Postgres
import TestSupport
import Testing

/// What the schema's roles can do to rows the ledger writer wrote, and what hostile names do.
@Suite struct LedgerSecurityTests {
    private func isRefused(_ sqlState: String, _ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as PostgresError {
            return error.sqlState?.rawValue == sqlState
        } catch {
            return false
        }
    }

    @Test func theWriterCanNeitherDeleteRowsNorRewriteCosts() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try SampleLedger.write(on: connection)
            try connection.asRole(database.roles.writer) {
                #expect(isRefused("42501") { try connection.execute("DELETE FROM ledger") })
                #expect(isRefused("42501") { try connection.execute("TRUNCATE ledger") })
                #expect(isRefused("42501") { try connection.execute("UPDATE ledger SET estimated_cost = 0") })
                #expect(isRefused("42501") { try connection.execute("UPDATE ledger_daily SET cost = 0") })
                #expect(isRefused("42501") { try connection.execute("DELETE FROM prices") })
                // Actual costs are the writer's to record once, never to rewrite.
                #expect(isRefused("23000") {
                    try connection.execute("UPDATE ledger SET actual_cost = 0 WHERE decision_id = 'd-acme-q1'")
                })
            }
            // Not even the schema's owner rewrites a recorded cost or a decision.
            #expect(isRefused("23000") { try connection.execute("UPDATE ledger SET actual_cost = 0 WHERE decision_id = 'd-acme-q1'") })
            #expect(isRefused("23000") { try connection.execute("UPDATE ledger SET estimated_cost = 0 WHERE decision_id = 'd-acme-q2'") })
            #expect(try LedgerTestData.row("d-acme-q1", on: connection)?.actualCost == 1_400)
            #expect(try connection.count("SELECT count(*) AS n FROM ledger") == 4)
        }
    }

    /// The role that records spend cannot set what it costs: a writer's price row (a $0 price
    /// dated in the past would price every later decision at nothing) is refused, and neither
    /// it nor a price administrator can change or delete a price once added.
    @Test func onlyAPriceAdministratorAddsPricesAndNobodyRewritesThem() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let zeroInThePast = "INSERT INTO prices (model, input_usd_per_million, output_usd_per_million, effective_from) VALUES ('strong', 0, 0, '2000-01-01')"
            let writer = try connection.asRole(database.roles.writer) {
                (mayAdd: try PriceBook.mayAddPrices(on: connection), refused: isRefused("42501") { try connection.execute(zeroInThePast) })
            }
            #expect(!writer.mayAdd && writer.refused)
            let price = TokenPrice(inputPerMillion: LedgerTestData.price("10"), outputPerMillion: LedgerTestData.price("30"))
            let admin = try connection.asRole(database.roles.priceAdmin) {
                let mayAdd = try PriceBook.mayAddPrices(on: connection)
                let first = try PriceBook.set("strong", to: price, from: nil, on: connection)
                // History is not rewritten: no row before now once the model has one.
                let earlier = Result { try PriceBook.set("strong", to: price, from: LedgerTestData.time("2000-01-01T00:00:00Z"), on: connection) }
                let update = isRefused("42501") {
                    try connection.execute("UPDATE prices SET input_usd_per_million = 0 WHERE id = $1", [.bigint(first.id)])
                }
                return (mayAdd: mayAdd, earlier: earlier, updateRefused: update,
                        deleteRefused: isRefused("42501") { try connection.execute("DELETE FROM prices") })
            }
            #expect(admin.mayAdd && admin.updateRefused && admin.deleteRefused)
            #expect(throws: LedgerError.self) { try admin.earlier.get() }
            // Not even the schema's owner, whom no grant binds: the table's trigger refuses it.
            #expect(isRefused("23000") { try connection.execute("DELETE FROM prices") })
            #expect(try PriceBook.load(from: connection).history(of: "strong").map(\.tokenPrice) == [price])
        }
    }

    /// A login role for one tenant, as a deployment would create it.
    @Test func aTenantScopedLoginSeesOnlyItsTenantsRowsAndTotals() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try SampleLedger.write(on: connection)
            let login = "globex_finance_\(UUID().uuidString.prefix(8).lowercased())"
            let quoted = try PostgresConnection.quoteIdentifier(login)
            try connection.executeScript("CREATE ROLE \(quoted) LOGIN IN ROLE \(try PostgresConnection.quoteIdentifier(database.roles.tenantReader))")
            defer { try? connection.executeScript("DROP ROLE \(quoted)") }
            try connection.execute("INSERT INTO tenant_members (member_role, tenant) VALUES ($1, 'globex')", [.text(login)])

            let globex = try PostgresConnection(database.settings.setting("user", to: login))
            defer { globex.close() }
            let report = try AuditQuery(groupBy: [.tenant]).run(on: globex)
            #expect(report.rows.map(\.keys) == [["globex"]])
            #expect(report.total == SampleLedger.globex)
            let asked = try AuditQuery(groupBy: [.tenant], tenant: "acme").run(on: globex)
            #expect(asked.rows.isEmpty)
            var fromLedger = AuditQuery(from: LedgerTestData.time("2026-01-01T00:00:01Z"))
            fromLedger.groupBy = [.tenant]
            #expect(try fromLedger.run(on: globex).rows.map(\.keys) == [["globex"]])
            #expect(try globex.count("SELECT count(*) AS n FROM ledger WHERE tenant = 'acme'") == 0)
            #expect(isRefused("42501") { _ = try globex.query("SELECT count(*) FROM usage_awaiting_decision") })
            #expect(isRefused("42501") { _ = try globex.query("SELECT count(*) FROM consumer_offsets") })
        }
    }

    @Test func namesCarryingSQLAreStoredAsData() throws {
        let tenant = "acme'); DROP TABLE ledger; --"
        let model = "gpt\"; DELETE FROM prices; /* '' */"
        let query = "q1' OR '1'='1"
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            try connection.asRole(database.roles.priceAdmin) {
                let price = TokenPrice(inputPerMillion: LedgerTestData.price("1"), outputPerMillion: LedgerTestData.price("2"))
                try PriceBook.record(configured: [(model, price), ("strong", price)], on: connection)
            }
            try connection.asRole(database.roles.writer) {
                let writer = try LedgerWriter(connection: connection, consumerGroup: "ledger'; --")
                try writer.write(LedgerTestData.batch([LedgerTestData.decision(query, tenant: tenant, model: model, offset: 0)],
                                                      [LedgerTestData.usage(query, tenant: tenant, model: model, input: 1, output: 1, offset: 0)]))
            }
            let row = try connection.query("SELECT tenant, chosen_model, query_id, actual_cost FROM ledger")
            #expect(row.count == 1)
            #expect(try row[0].decode(String.self, column: "tenant") == tenant)
            #expect(try row[0].decode(String.self, column: "chosen_model") == model)
            #expect(try row[0].decode(String.self, column: "query_id") == query)
            #expect(try connection.count("SELECT count(*) AS n FROM prices") == 2)
            let report = try AuditQuery(groupBy: [.tenant, .model], tenant: tenant).run(on: connection)
            #expect(report.rows.map(\.keys) == [[tenant, model]])
            #expect(try connection.count("SELECT count(*) AS n FROM consumer_offsets WHERE consumer_group = 'ledger''; --'") == 2)
        }
    }
}
