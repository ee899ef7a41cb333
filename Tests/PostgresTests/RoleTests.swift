import Foundation
import TestSupport
import Testing
@testable import Postgres

/// What the schema's roles may and may not do, checked by acting as each of them.
@Suite struct RoleTests {
    private func isDenied(_ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as PostgresError {
            return error.sqlState == .insufficientPrivilege
        } catch {
            return false
        }
    }

    @Test func theWriterAppendsAndRecordsUsageButNeverDeletesOrRewrites() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try connection.asRole(database.roles.priceAdmin) { try LedgerFixture(pricesOn: connection) }
            try connection.asRole(database.roles.writer) {
                let placeholders = (1...LedgerFixture.decisionColumns.count).map { "$\($0)" }.joined(separator: ", ")
                try connection.execute(
                    "INSERT INTO ledger (\(LedgerFixture.decisionColumns.joined(separator: ", "))) VALUES (\(placeholders))",
                    fixture.decision(1, tenant: "acme"))
                let recorded = try connection.execute(LedgerFixture.recordUsage, [
                    "decision-1", .integer(90), .integer(150), .numeric(PostgresNumeric("0.000144")!),
                    .numeric(PostgresNumeric("0.005400")!),
                ])
                #expect(recorded == 1)
                try connection.execute("""
                    INSERT INTO consumer_offsets (consumer_group, topic, kafka_partition, next_offset)
                    VALUES ('ledger', 'llm.decisions', 0, 2)
                    ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset
                    """)

                #expect(isDenied { try connection.execute("DELETE FROM ledger WHERE decision_id = 'decision-1'") })
                #expect(isDenied { try connection.execute("UPDATE ledger SET estimated_cost = 0 WHERE decision_id = 'decision-1'") })
                #expect(isDenied { try connection.execute("UPDATE ledger SET chosen_model = 'strong'") })
                #expect(isDenied { try connection.execute("UPDATE prices SET input_usd_per_million = 0") })
                #expect(isDenied { _ = try LedgerFixture(pricesOn: connection) })
                #expect(isDenied { try connection.execute("DELETE FROM consumer_offsets") })
                #expect(isDenied { try connection.execute("TRUNCATE ledger") })
                #expect(isDenied { try connection.execute("UPDATE ledger_daily SET cost = 0") })
            }
            let row = try connection.query("SELECT estimated_cost, actual_cost FROM ledger WHERE decision_id = 'decision-1'")[0]
            #expect(try row.decode(PostgresNumeric.self, at: 0).text == "0.000180")
            #expect(try row.decode(PostgresNumeric.self, at: 1).text == "0.000144")
        }
    }

    @Test func theWriterLoadsInBulkThroughAStagingTable() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try connection.asRole(database.roles.priceAdmin) { try LedgerFixture(pricesOn: connection) }
            try connection.asRole(database.roles.writer) {
                let rows = (1...500).map { fixture.decision($0, tenant: "acme") }
                // Row-level security rules out COPY straight into the ledger for any role it applies to.
                #expect { try fixture.insert(rows, on: connection) } throws: { error in
                    (error as? PostgresError)?.sqlState?.rawValue == "0A000"
                }
                let columns = LedgerFixture.decisionColumns.joined(separator: ", ")
                try connection.transaction {
                    try connection.executeScript("""
                        CREATE TEMPORARY TABLE staged_decisions ON COMMIT DROP AS SELECT \(columns) FROM ledger WITH NO DATA
                        """)
                    try connection.copy(into: "staged_decisions", columns: LedgerFixture.decisionColumns, rows: rows)
                    let added = try connection.execute("""
                        INSERT INTO ledger (\(columns)) SELECT \(columns) FROM staged_decisions
                        ON CONFLICT (decision_id) DO NOTHING
                        """)
                    #expect(added == 500)
                }
            }
            #expect(try connection.query("SELECT count(*) FROM ledger")[0].decode(Int.self, at: 0) == 500)
        }
    }

    @Test func theAuditorReadsEverythingAndWritesNothing() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try LedgerFixture(pricesOn: connection)
            try fixture.insert([fixture.decision(1, tenant: "acme"), fixture.decision(2, tenant: "globex")], on: connection)
            try connection.asRole(database.roles.auditor) {
                for relation in ["ledger", "prices", "current_prices", "consumer_offsets", "ledger_daily", "audit_decisions",
                                 "audit_awaiting_usage", "audit_tenant_daily", "tenant_members", "schema_migrations"] {
                    _ = try connection.query("SELECT count(*) FROM \(try PostgresConnection.quoteIdentifier(relation))")
                }
                #expect(try connection.query("SELECT count(*) FROM audit_decisions")[0].decode(Int.self, at: 0) == 2)
                #expect(isDenied { try connection.execute("INSERT INTO ledger (decision_id) VALUES ('x')") })
                #expect(isDenied { try connection.execute("UPDATE ledger SET actual_cost = 0") })
                #expect(isDenied { try connection.execute("DELETE FROM ledger") })
                #expect(isDenied {
                    try connection.execute("INSERT INTO prices (model, input_usd_per_million, output_usd_per_million, effective_from) VALUES ('m', 1, 1, now())")
                })
                #expect(isDenied { try connection.execute("INSERT INTO consumer_offsets VALUES ('g', 't', 0, 0)") })
                #expect(isDenied { try connection.execute("INSERT INTO tenant_members VALUES ('someone', 'acme')") })
            }
        }
    }

    @Test func aTenantScopedRoleSeesOnlyItsTenantsRows() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let fixture = try LedgerFixture(pricesOn: connection)
            try fixture.insert((1...6).map { fixture.decision($0, tenant: $0 % 3 == 0 ? "acme" : "globex") }, on: connection)
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let acmeViewer = "acme_viewer_\(suffix)"
            let unmapped = "unmapped_viewer_\(suffix)"
            for role in [acmeViewer, unmapped] {
                try connection.executeScript("""
                    CREATE ROLE \(try PostgresConnection.quoteIdentifier(role)) NOLOGIN;
                    GRANT \(try PostgresConnection.quoteIdentifier(database.roles.tenantReader)) TO \(try PostgresConnection.quoteIdentifier(role));
                    """)
            }
            defer {
                for role in [acmeViewer, unmapped] {
                    try? connection.executeScript("DROP ROLE \(try PostgresConnection.quoteIdentifier(role))")
                }
            }
            try connection.execute("INSERT INTO tenant_members (member_role, tenant) VALUES ($1, 'acme')", [.text(acmeViewer)])

            try connection.asRole(acmeViewer) {
                for relation in ["ledger", "ledger_daily", "audit_decisions", "audit_awaiting_usage", "audit_tenant_daily"] {
                    let tenants = try connection.query("SELECT DISTINCT tenant FROM \(relation)").map { try $0.decode(String.self, at: 0) }
                    #expect(tenants == ["acme"], "\(relation)")
                }
                #expect(try connection.query("SELECT count(*) FROM ledger")[0].decode(Int.self, at: 0) == 2)
                #expect(try connection.query("SELECT count(*) FROM tenant_members")[0].decode(Int.self, at: 0) == 1)
                #expect(isDenied { try connection.execute("DELETE FROM ledger") })
            }
            let unmappedSees = try connection.asRole(unmapped) {
                try connection.query("SELECT (SELECT count(*) FROM ledger) + (SELECT count(*) FROM ledger_daily)")[0]
                    .decode(Int.self, at: 0)
            }
            #expect(unmappedSees == 0)
        }
    }
}
