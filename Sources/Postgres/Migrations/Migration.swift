/// One step of a database schema: SQL run once, in order of `version`, and recorded.
///
/// The SQL may name the schema's roles as `{{writer}}`, `{{auditor}}`, `{{tenant_reader}}` and `{{price_admin}}`;
/// they become the configured role names, quoted as identifiers.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Recorded when applied, to notice a migration that was edited afterwards.
    public var checksum: String { Fingerprint.of(sql) }

    /// `0002_ledger`, as the file is named.
    public var label: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }

    /// The SQL with role placeholders replaced by the quoted role names.
    func rendered(for roles: SchemaRoles) throws -> String {
        var text = ""
        var rest = Substring(sql)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw MigrationError.unknownPlaceholder(migration: label, placeholder: String(rest[open.lowerBound...].prefix(30)))
            }
            let key = String(rest[open.upperBound..<close.lowerBound])
            guard let role = roles.name(forPlaceholder: key) else {
                throw MigrationError.unknownPlaceholder(migration: label, placeholder: key)
            }
            text += rest[..<open.lowerBound] + (try PostgresConnection.quoteIdentifier(role))
            rest = rest[close.upperBound...]
        }
        return text + rest
    }
}
