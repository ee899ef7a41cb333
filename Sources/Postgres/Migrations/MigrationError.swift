/// Why a schema cannot be migrated.
public enum MigrationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database has migrations this program does not know: it was migrated by a newer
    /// version, and an older one must not write to it.
    case newerSchema(databaseVersion: Int, knownVersion: Int)
    /// An applied migration differs from the one of the same version here.
    case changedMigration(version: Int, applied: String, known: String)
    /// The schema was migrated with other role names.
    case rolePrefixMismatch(recorded: String, requested: String)
    case invalidRolePrefix(String)
    case unknownPlaceholder(migration: String, placeholder: String)
    case invalidMigrationOrder(String)

    public var description: String {
        switch self {
        case .newerSchema(let database, let known):
            "the database schema is at version \(database), newer than the \(known) this routeledger knows; use a newer routeledger"
        case .changedMigration(let version, let applied, let known):
            "migration \(version) was applied as '\(applied)' but this routeledger has a different '\(known)'; a migration must not change once applied"
        case .rolePrefixMismatch(let recorded, let requested):
            "the schema grants to roles prefixed '\(recorded)', not '\(requested)'; pass --role-prefix \(recorded)"
        case .invalidRolePrefix(let prefix):
            "role prefix '\(prefix)' must be lower-case letters, digits and underscores, start with a letter or underscore, and leave room for 'tenant_reader' within 63 bytes"
        case .unknownPlaceholder(let migration, let placeholder):
            "migration \(migration) has an unknown placeholder {{\(placeholder)}} (known: writer, auditor, tenant_reader)"
        case .invalidMigrationOrder(let reason):
            "the migrations are not in order: \(reason)"
        }
    }
}
