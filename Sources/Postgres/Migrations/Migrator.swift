/// Brings a database's schema up to the migrations this program knows.
///
/// Each run applies what is missing in one transaction, under an advisory lock so concurrent
/// runs take turns, and records every migration with a checksum in `schema_migrations`. It
/// refuses a database migrated by a newer program, or one whose applied migrations differ
/// from these. Running it again is a no-op.
///
/// The roles are created first (without LOGIN), each in its own statement, because roles
/// belong to the whole cluster and other databases may be creating the same ones.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let roles: SchemaRoles

    public init(migrations: [Migration] = RouteLedgerSchema.migrations, roles: SchemaRoles) throws {
        for (earlier, later) in zip(migrations, migrations.dropFirst()) where earlier.version >= later.version {
            throw MigrationError.invalidMigrationOrder("\(earlier.label) comes before \(later.label)")
        }
        if let first = migrations.first, first.version < 1 {
            throw MigrationError.invalidMigrationOrder("versions start at 1, not \(first.version)")
        }
        self.migrations = migrations
        self.roles = roles
    }

    /// The version of the last migration known here.
    public var knownVersion: Int { migrations.last?.version ?? 0 }

    /// What the database has and what it lacks; throws when the database cannot be migrated
    /// by this program.
    public func status(of connection: PostgresConnection) throws -> SchemaStatus {
        let hasTable = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")[0]
            .decode(Bool.self, column: "present")
        guard hasTable else {
            return SchemaStatus(appliedVersion: 0, knownVersion: knownVersion, pending: migrations, rolePrefix: nil)
        }
        let applied = try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version").map {
            (version: try $0.decode(Int.self, column: "version"), name: try $0.decode(String.self, column: "name"),
             checksum: try $0.decode(String.self, column: "checksum"))
        }
        let appliedVersion = applied.last?.version ?? 0
        if appliedVersion > knownVersion {
            throw MigrationError.newerSchema(databaseVersion: appliedVersion, knownVersion: knownVersion)
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in applied {
            guard let migration = known[record.version], migration.checksum == record.checksum else {
                throw MigrationError.changedMigration(version: record.version, applied: record.name,
                                                      known: known[record.version]?.label ?? "nothing")
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        let pending = migrations.filter { !appliedVersions.contains($0.version) }
        if let skipped = pending.first, skipped.version < appliedVersion {
            throw MigrationError.invalidMigrationOrder("\(skipped.label) is not applied but version \(appliedVersion) is")
        }
        let rolePrefix = try connection.query("SELECT value FROM schema_settings WHERE name = 'role_prefix'")
            .first?.decode(String.self, column: "value")
        if let rolePrefix, rolePrefix != roles.prefix {
            throw MigrationError.rolePrefixMismatch(recorded: rolePrefix, requested: roles.prefix)
        }
        return SchemaStatus(appliedVersion: appliedVersion, knownVersion: knownVersion, pending: pending,
                            rolePrefix: rolePrefix)
    }

    /// Applies the missing migrations and returns them (none when the schema is current).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Migration] {
        guard !(try status(of: connection)).pending.isEmpty else { return [] }
        try createRoles(on: connection)
        return try connection.transaction {
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [.bigint(Self.lockKey)])
            try connection.executeScript(Self.bookkeepingTables)
            // Another run may have finished while this one waited for the lock.
            let pending = try status(of: connection).pending
            for migration in pending {
                do {
                    try connection.executeScript(try migration.rendered(for: roles))
                } catch let error as PostgresError {
                    throw error.during("apply migration \(migration.label)")
                }
                try connection.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                                       [.bigint(Int64(migration.version)), .text(migration.name), .text(migration.checksum)])
            }
            try connection.execute("""
                INSERT INTO schema_settings (name, value) VALUES ('role_prefix', $1)
                ON CONFLICT (name) DO NOTHING
                """, [.text(roles.prefix)])
            return pending
        }
    }

    private func createRoles(on connection: PostgresConnection) throws {
        for role in roles.all {
            guard try connection.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [.text(role)]).isEmpty else { continue }
            do {
                try connection.executeScript("CREATE ROLE \(try PostgresConnection.quoteIdentifier(role)) NOLOGIN")
            } catch let error as PostgresError where error.sqlState == .duplicateObject || error.sqlState == .uniqueViolation {
                continue  // created meanwhile by a migration of another database
            } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
                throw PostgresError(
                    operation: "create role \(role)", sqlState: error.sqlState, message: error.message,
                    hint: "migrate as a role with CREATEROLE, or have an administrator run CREATE ROLE \(role) NOLOGIN first")
            }
        }
    }

    /// Any constant will do, as long as every migrator uses the same one ("rtlgmigr").
    private static let lockKey: Int64 = 0x7274_6c67_6d69_6772

    private static let bookkeepingTables = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS schema_settings (
            name text PRIMARY KEY,
            value text NOT NULL
        );
        """
}

/// Where a database stands against the migrations a program knows.
public struct SchemaStatus: Sendable {
    /// The last applied migration's version; 0 for an empty database.
    public let appliedVersion: Int
    public let knownVersion: Int
    public let pending: [Migration]
    /// The role prefix the schema was migrated with, if it was.
    public let rolePrefix: String?
}
