import Foundation
import Postgres

/// A database of its own for one test, on the test server, dropped when the test ends; so
/// tests run in parallel without seeing each other's rows.
public struct TestDatabase: Sendable {
    /// Superuser settings for the fresh database.
    public let settings: PostgresSettings
    public let roles: SchemaRoles

    /// Runs `body` with a new empty database, migrated to RouteLedger's schema if asked.
    public static func withFresh<T>(migrated: Bool = false, _ body: (TestDatabase) throws -> T) throws -> T {
        let server = try PostgresSettings(try PostgresTestServer.url())
        let admin = try PostgresConnection(server)
        let name = "routeledger_test_" + UUID().uuidString.prefix(12).lowercased()
        try admin.executeScript("CREATE DATABASE \(try PostgresConnection.quoteIdentifier(name))")
        defer {
            try? admin.executeScript("DROP DATABASE \(try PostgresConnection.quoteIdentifier(name)) WITH (FORCE)")
        }
        let database = TestDatabase(settings: server.setting("dbname", to: name), roles: try SchemaRoles())
        if migrated {
            try Migrator(roles: database.roles).migrate(try database.connect())
        }
        return try body(database)
    }

    public func connect(reconnect: ReconnectPolicy = .standard) throws -> PostgresConnection {
        try PostgresConnection(settings, reconnect: reconnect)
    }

    /// The settings as a libpq `key='value'` string, to hand to a command's `--database`.
    public var connectionString: String { connectionString(of: settings) }

    /// The same database as the login role `user`.
    public func connectionString(asUser user: String) -> String {
        connectionString(of: settings.setting("user", to: user))
    }

    private func connectionString(of settings: PostgresSettings) -> String {
        settings.parameters.map { parameter in
            let escaped = parameter.value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "'", with: "\\'")
            return "\(parameter.keyword)='\(escaped)'"
        }.joined(separator: " ")
    }
}
