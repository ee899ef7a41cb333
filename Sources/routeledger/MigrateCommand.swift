import Postgres

/// `routeledger migrate`: brings the PostgreSQL schema up to the one this binary carries.
enum MigrateCommand: Command {
    static let name = "migrate"
    static let summary = "create or upgrade the PostgreSQL schema (prices, ledger, rollups, roles)"
    static let discussion = """
        Applies, in one transaction, the migrations this routeledger carries (schemas/sql) that the
        database lacks, and records them in schema_migrations; run again, it changes nothing. It
        refuses a database migrated by a newer routeledger, or one whose applied migrations differ
        from these, and changes nothing then.
        It creates the roles PREFIXwriter, PREFIXauditor, PREFIXtenant_reader and PREFIXprice_admin
        (without LOGIN) when they are missing, which needs CREATEROLE; the tables belong to the role that migrates.
        The connection comes from --database, else $ROUTELEDGER_DATABASE_URL, else the PG*
        environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...).
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("role-prefix", "PREFIX", "Prefix of the role names (default \(SchemaRoles.defaultPrefix))."),
        .value("wait", "SECONDS", "How long to wait for a server that is not up yet (default 10)."),
        .flag("status", "Print the schema version and what is pending; change nothing."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let roles: SchemaRoles
        do {
            roles = try SchemaRoles(prefix: arguments.string("role-prefix") ?? SchemaRoles.defaultPrefix)
        } catch let error as MigrationError {
            throw UsageError("option '--role-prefix': \(error)")
        }
        let settings = try DatabaseOption.settings(arguments)
        let wait = try arguments.int("wait", range: 0...3_600) ?? 10
        let connection = try DatabaseOption.connect(settings, waitingUpTo: wait)
        let migrator = try Migrator(roles: roles)
        print("database: \(connection)")
        if arguments.flag("status") {
            let status = try migrator.status(of: connection)
            print("schema version: \(status.appliedVersion) (this routeledger knows \(status.knownVersion))")
            print("pending: " + (status.pending.isEmpty ? "none" : status.pending.map(\.label).joined(separator: ", ")))
            return 0
        }
        let applied = try migrator.migrate(connection)
        for migration in applied {
            print("applied \(migration.label)")
        }
        print("schema version: \(migrator.knownVersion)" + (applied.isEmpty ? " (already current)" : ""))
        return 0
    }
}
