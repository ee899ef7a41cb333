import Postgres
import Testing
import TestSupport
@testable import routeledger

@Suite struct MigrateCommandTests {
    private let runner = CommandRunner(
        root: CommandGroup(name: "routeledger", summary: "", children: [.command(MigrateCommand.self)]), version: "test")

    @Test func migratesOnceThenFindsTheSchemaCurrentAndRefusesANewerOne() throws {
        try TestDatabase.withFresh { database in
            let arguments = ["migrate", "--database", database.connectionString]
            #expect(runner.run(arguments) == 0)
            let connection = try database.connect()
            let applied = try connection.count("SELECT count(*) AS n FROM schema_migrations")
            #expect(applied == RouteLedgerSchema.migrations.count)
            #expect(runner.run(arguments) == 0)
            #expect(runner.run(arguments + ["--status"]) == 0)

            try connection.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, 'future', '')",
                                   [.bigint(Int64(try Migrator(roles: database.roles).knownVersion + 1))])
            #expect(runner.run(arguments) == 1)
            #expect(runner.run(arguments + ["--status"]) == 1)
        }
    }

    @Test func badOptionsAreUsageErrors() {
        #expect(runner.run(["migrate", "--role-prefix", "Has-Dashes"]) == 2)
        #expect(runner.run(["migrate", "--database", "postgresql://user:pw%zz@host/db"]) == 2)
        #expect(runner.run(["migrate", "--wait", "-1"]) == 2)
        #expect(runner.run(["migrate", "extra"]) == 2)
    }
}
