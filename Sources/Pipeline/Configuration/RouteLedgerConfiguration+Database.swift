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

    /// Whether a route stage reads PostgreSQL: for its battle memory (`memory: "database"`) or
    /// for tenant budgets. Such a stage also estimates its decisions at the price book's prices.
    public var routeStageUsesDatabase: Bool {
        memoryIsDatabase || tenantBudgetRefreshSeconds != nil
    }
}
