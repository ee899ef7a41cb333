import Postgres

extension RouteLedgerConfiguration {
    /// `database.url`, else libpq's PG* environment variables and defaults. Read when a stage
    /// first needs the database, so stages without one never look at the setting.
    public func databaseSettings() throws -> PostgresSettings {
        guard let databaseURL else { return PostgresSettings() }
        do {
            return try PostgresSettings(databaseURL)
        } catch let error as PostgresError {
            throw StageAssemblyError.invalidDatabaseURL(error.message)
        }
    }
}
