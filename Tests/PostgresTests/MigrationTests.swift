import Foundation
import Synchronization
import TestSupport
import Testing
@testable import Postgres

@Suite struct MigrationTests {
    private func tableExists(_ name: String, on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT to_regclass($1) IS NOT NULL", [.text(name)])[0].decode(Bool.self, at: 0)
    }

    @Test func migratingTwiceAppliesEverythingOnceThenNothing() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let migrator = try Migrator(roles: database.roles)
            let first = try migrator.migrate(connection)
            #expect(first.map(\.version) == RouteLedgerSchema.migrations.map(\.version))
            for table in ["prices", "ledger", "consumer_offsets", "ledger_daily", "audit_decisions", "tenant_members"] {
                #expect(try tableExists(table, on: connection), "\(table)")
            }
            #expect(try migrator.migrate(connection).isEmpty)
            let status = try migrator.status(of: connection)
            #expect(status.appliedVersion == migrator.knownVersion && status.pending.isEmpty)
            #expect(status.rolePrefix == database.roles.prefix)
            #expect(try connection.query("SELECT count(*) FROM schema_migrations")[0].decode(Int.self, at: 0)
                    == RouteLedgerSchema.migrations.count)
        }
    }

    @Test func aDatabaseMigratedByANewerProgramIsRefused() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let known = RouteLedgerSchema.migrations
            let latest = try Migrator(roles: database.roles).knownVersion
            let future = Migration(version: latest + 1, name: "future", sql: "CREATE TABLE future_things (id integer)")
            try Migrator(migrations: known + [future], roles: database.roles).migrate(connection)
            let current = try Migrator(roles: database.roles)
            let refusal = MigrationError.newerSchema(databaseVersion: latest + 1, knownVersion: latest)
            #expect(throws: refusal) { try current.migrate(connection) }
            #expect(throws: refusal) { try current.status(of: connection) }
        }
    }

    @Test func anAppliedMigrationThatChangedIsRefused() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let original = Migration(version: 1, name: "things", sql: "CREATE TABLE things (id integer)")
            let edited = Migration(version: 1, name: "things", sql: "CREATE TABLE things (id bigint)")
            try Migrator(migrations: [original], roles: database.roles).migrate(connection)
            #expect(throws: MigrationError.changedMigration(version: 1, applied: "things", known: "0001_things")) {
                try Migrator(migrations: [edited], roles: database.roles).migrate(connection)
            }
        }
    }

    @Test func aFailingMigrationLeavesTheDatabaseAsItWas() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let migrations = [
                Migration(version: 1, name: "things", sql: "CREATE TABLE things (id integer)"),
                Migration(version: 2, name: "broken", sql: "CREATE TABLE other (id integer); SELECT * FROM nowhere"),
            ]
            #expect { try Migrator(migrations: migrations, roles: database.roles).migrate(connection) } throws: { error in
                "\(error)".contains("0002_broken")
            }
            for table in ["things", "other", "schema_migrations"] {
                #expect(try !tableExists(table, on: connection), "\(table)")
            }
        }
    }

    @Test func anotherRolePrefixThanTheSchemaWasMigratedWithIsRefused() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let migrations = [Migration(version: 1, name: "things", sql: "CREATE TABLE things (id integer)")]
            try Migrator(migrations: migrations, roles: database.roles).migrate(connection)
            let other = try SchemaRoles(prefix: "routeledger_other_")
            #expect(throws: MigrationError.rolePrefixMismatch(recorded: database.roles.prefix, requested: other.prefix)) {
                try Migrator(migrations: migrations, roles: other).migrate(connection)
            }
        }
    }

    @Test func rolePlaceholdersBecomeQuotedRoleNamesAndUnknownOnesAreRefused() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let grant = Migration(version: 1, name: "grant", sql: "CREATE TABLE t (id integer); GRANT SELECT ON t TO {{auditor}};")
            try Migrator(migrations: [grant], roles: database.roles).migrate(connection)
            let granted = try connection.query("SELECT has_table_privilege($1, 't', 'SELECT')", [.text(database.roles.auditor)])
            #expect(try granted[0].decode(Bool.self, at: 0))
            let unknown = Migration(version: 2, name: "typo", sql: "GRANT SELECT ON t TO {{auditors}};")
            #expect(throws: MigrationError.unknownPlaceholder(migration: "0002_typo", placeholder: "auditors")) {
                try Migrator(migrations: [grant, unknown], roles: database.roles).migrate(connection)
            }
        }
    }

    @Test func concurrentMigrationsOfOneDatabaseApplyEachMigrationOnce() throws {
        try TestDatabase.withFresh { database in
            let failures = Mutex<[String]>([])
            let settings = database.settings
            let roles = database.roles
            DispatchQueue.concurrentPerform(iterations: 3) { _ in
                do {
                    try Migrator(roles: roles).migrate(try PostgresConnection(settings))
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty)
            let recorded = try database.connect().query("SELECT count(*) FROM schema_migrations")[0].decode(Int.self, at: 0)
            #expect(recorded == RouteLedgerSchema.migrations.count)
        }
    }
}
