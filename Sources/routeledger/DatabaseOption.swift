import Foundation
import Pipeline
import Postgres

/// The `--database` option shared by the commands that use PostgreSQL: a URL or libpq
/// `key=value` string; without it `$ROUTELEDGER_DATABASE_URL`; without that, libpq's `PG*`
/// environment variables and defaults.
enum DatabaseOption {
    static let option = Option.value(
        "database", "URL",
        "PostgreSQL URL or key=value string (default: $ROUTELEDGER_DATABASE_URL, else the PG* variables).")

    static func settings(_ arguments: ParsedArguments) throws -> PostgresSettings {
        let environment = ProcessInfo.processInfo.environment["ROUTELEDGER_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text = arguments.string("database") ?? environment else { return PostgresSettings() }
        do {
            return try PostgresSettings(text)
        } catch let error as PostgresError {
            let source = arguments.string("database") != nil ? "option '--database'" : "ROUTELEDGER_DATABASE_URL"
            throw UsageError("\(source): \(error.message)")
        }
    }

    /// For commands that take a run configuration: `--database`, else the configuration's
    /// `database.url`, else (and without a configuration) what `settings` falls back to.
    static func settings(_ arguments: ParsedArguments, configuration: RouteLedgerConfiguration?) throws -> PostgresSettings {
        guard let configuration, arguments.string("database") == nil, configuration.databaseURL != nil else { return try settings(arguments) }
        return try configuration.databaseSettings()
    }

    /// Connects, waiting up to `seconds` for a server that is not up yet.
    static func connect(_ settings: PostgresSettings, waitingUpTo seconds: Int) throws -> PostgresConnection {
        try PostgresConnection(settings, reconnect: ReconnectPolicy(giveUpAfter: .seconds(seconds)))
    }
}
