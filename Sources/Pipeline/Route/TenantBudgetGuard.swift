import Foundation
import Ledger
import Postgres

/// A tenant at its budget, as a batch is routed: its policy and why, for the dead letter.
public struct ExhaustedBudget: Sendable, Equatable {
    public let policy: TenantBudget.Policy
    public let reason: String
}

/// Holds budgeted tenants to their limits in a route stage. A tenant's spend is what the
/// ledger booked in the period plus this stage's own decisions the ledger has not booked yet,
/// so a burst of queries is counted as it is decided, not once the ledger catches up. Each batch
/// is decided against the spend before it, so a burst passes the limit by at most one batch's
/// estimates. The budgets and the booked spend are read again every `refreshInterval`; a
/// database that cannot be reached leaves the last reading in force (logged).
final class TenantBudgetGuard {
    private let database: PostgresSettings
    private let refreshInterval: Duration
    private let metrics: MetricsRegistry
    private let log: StageLog
    private var connection: PostgresConnection?
    private var budgets: [String: TenantBudget] = [:]
    /// This stage's decisions of budgeted tenants not yet seen in the ledger: id → tenant, cost.
    private var unbooked: [String: (tenant: String, cost: MicroUSD)] = [:]
    private var lastRefresh: ContinuousClock.Instant?

    init(database: PostgresSettings, refreshInterval: Duration, metrics: MetricsRegistry, log: StageLog) {
        self.database = database
        self.refreshInterval = refreshInterval
        self.metrics = metrics
        self.log = log
    }

    /// The tenants at their budget now, reading the database first when a refresh is due.
    func exhausted() -> [String: ExhaustedBudget] {
        let now = ContinuousClock.now
        if lastRefresh.map({ now - $0 >= refreshInterval }) ?? true {
            lastRefresh = now
            refresh()
        }
        var exhausted: [String: ExhaustedBudget] = [:]
        for (tenant, budget) in budgets {
            let spent = spent(by: tenant)
            metrics.set(.tenantBudgetSpent, labels: ["tenant": tenant], to: spent)
            guard spent >= budget.limit else { continue }
            exhausted[tenant] = ExhaustedBudget(
                policy: budget.policy,
                reason: "tenant '\(tenant)' has spent $\(spent) of its \(budget.period == .day ? "daily" : "monthly") budget of $\(budget.limit)")
        }
        return exhausted
    }

    /// Counts a committed batch's decisions of budgeted tenants until the ledger books them.
    func committed(_ decisions: [RoutingDecision]) {
        for decision in decisions where budgets[decision.tenant] != nil {
            unbooked[decision.decisionID] = (decision.tenant, MicroUSD(microunits: decision.estimatedCostMicroUSD))
        }
    }

    private func spent(by tenant: String) -> MicroUSD {
        unbooked.values.reduce(budgets[tenant]?.booked ?? .zero) { $1.tenant == tenant ? $0 + $1.cost : $0 }
    }

    private func refresh() {
        do {
            let connection = try self.connection ?? PostgresConnection(database)
            self.connection = connection
            // Booked decisions first, then the booked spend: one booked in between is counted
            // twice (for a moment), never not at all.
            for id in try TenantBudget.bookedDecisions(Array(unbooked.keys), on: connection) { unbooked[id] = nil }
            budgets = Dictionary(uniqueKeysWithValues: try TenantBudget.load(on: connection).map { ($0.tenant, $0) })
            unbooked = unbooked.filter { budgets[$0.value.tenant] != nil }
        } catch {
            connection = nil
            log(.warning, "cannot read the tenant budgets; the last reading stays in force", ["error": "\(error)"])
        }
    }
}
