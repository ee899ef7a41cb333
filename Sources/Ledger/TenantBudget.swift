import Postgres

/// A tenant's spending limit (`tenant_budgets`), with what the tenant spent in the current
/// period: its billed ledger rows booked since the period began (UTC), best known costs.
public struct TenantBudget: Sendable, Equatable {
    public enum Period: String, Sendable, CaseIterable {
        case day, month
    }

    /// What the route stage does with a tenant's queries once its spend reaches the limit.
    public enum Policy: String, Sendable, CaseIterable {
        /// Route every query to the cheapest candidate.
        case cheapest
        /// Dead-letter every query (`budget_exhausted`).
        case deadletter
    }

    public let tenant: String
    public let period: Period
    public let limit: MicroUSD
    public let policy: Policy
    /// Booked in the ledger since the period began.
    public let booked: MicroUSD

    /// Every budget with its tenant's booked spend in the current period, as the view
    /// `finance_budget_status` defines it for finance and this stage alike.
    public static func load(on connection: PostgresConnection) throws -> [TenantBudget] {
        try connection.query("SELECT tenant, period, limit_usd, policy, booked FROM finance_budget_status ORDER BY tenant").map { row in
            TenantBudget(tenant: try row.decode(column: "tenant"), period: Period(rawValue: try row.decode(column: "period"))!,
                         limit: try MicroUSD(try row.decode(PostgresNumeric.self, column: "limit_usd")),
                         policy: Policy(rawValue: try row.decode(column: "policy"))!,
                         booked: try MicroUSD(try row.decode(PostgresNumeric.self, column: "booked")))
        }
    }

    /// Sets (or replaces) a tenant's budget; a price administrator's right.
    public static func set(tenant: String, period: Period, limit: MicroUSD, policy: Policy, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO tenant_budgets (tenant, period, limit_usd, policy) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant) DO UPDATE SET period = excluded.period, limit_usd = excluded.limit_usd, policy = excluded.policy,
                                               updated_at = now(), updated_by = current_user
            """, [.text(tenant), .text(period.rawValue), limit.postgresValue, .text(policy.rawValue)])
    }

    /// Removes a tenant's budget; false when it had none.
    public static func remove(tenant: String, on connection: PostgresConnection) throws -> Bool {
        try connection.execute("DELETE FROM tenant_budgets WHERE tenant = $1", [.text(tenant)]) == 1
    }

    /// Which of `decisionIDs` the ledger holds (booked, so counted in `booked`).
    public static func bookedDecisions(_ decisionIDs: [String], on connection: PostgresConnection) throws -> Set<String> {
        guard !decisionIDs.isEmpty else { return [] }
        return Set(try connection.query("SELECT decision_id FROM ledger WHERE decision_id = ANY($1::text[])",
                                        [SQLArrayLiteral.of(decisionIDs)]).map { try $0.decode(String.self, column: "decision_id") })
    }
}
