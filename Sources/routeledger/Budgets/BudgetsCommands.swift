import Ledger
import Postgres

/// `routeledger budgets set`: a tenant's spending limit and what happens at it.
enum BudgetsSetCommand: Command {
    static let name = "set"
    static let summary = "set a tenant's daily or monthly budget and its policy (price administrators only)"
    static let discussion = """
        A route stage with tenant_budgets.enabled counts each budgeted tenant's spend in the
        current UTC day or month: its billed ledger rows booked in the period (best known cost)
        plus the stage's own decisions not yet booked. From the batch after the spend reaches
        --limit, the tenant's queries go to the cheapest model they allow (--policy cheapest)
        or to the dead-letter topic as budget_exhausted (--policy deadletter). A burst passes the
        limit by at most one batch's estimates per route stage process. Setting a budget again
        replaces it.
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("tenant", "NAME", "The tenant (required)."),
        .value("limit", "USD", "The budget per period, decimal dollars (required)."),
        .value("period", "day|month", "The period the budget is for (default month)."),
        .value("policy", "cheapest|deadletter", "What happens at the budget (default cheapest)."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let tenant = try arguments.requiredString("tenant")
        let text = try arguments.requiredString("limit")
        guard let limit = MicroUSD(dollars: text), limit >= .zero else {
            throw UsageError("option '--limit': '\(text)' is not an amount of dollars of at most six decimals, 0 or more")
        }
        let period = TenantBudget.Period(rawValue: try arguments.choice("period", from: TenantBudget.Period.allCases.map(\.rawValue)) ?? "month")!
        let policy = TenantBudget.Policy(rawValue: try arguments.choice("policy", from: TenantBudget.Policy.allCases.map(\.rawValue)) ?? "cheapest")!
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 0)
        try TenantBudget.set(tenant: tenant, period: period, limit: limit, policy: policy, on: connection)
        print("budget of tenant '\(tenant)': $\(limit) a \(period.rawValue), then \(policy.rawValue)")
        return 0
    }
}

/// `routeledger budgets list`: every budget with what its tenant booked in the period.
enum BudgetsListCommand: Command {
    static let name = "list"
    static let summary = "every tenant budget, with the spend the ledger booked in its period"
    static let options: [Option] = [DatabaseOption.option]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 0)
        let rows = try TenantBudget.load(on: connection).map { budget in
            [budget.tenant, budget.period.rawValue, budget.limit.description, budget.booked.description,
             (budget.limit - budget.booked).description, budget.policy.rawValue]
        }
        print(TextTable(header: ["tenant", "period", "limit_usd", "booked_usd", "remaining_usd", "policy"], rows: rows, textColumns: 2).text,
              terminator: "")
        return 0
    }
}

/// `routeledger budgets remove`: a tenant's budget goes.
enum BudgetsRemoveCommand: Command {
    static let name = "remove"
    static let summary = "remove a tenant's budget (price administrators only)"
    static let options: [Option] = [DatabaseOption.option, .value("tenant", "NAME", "The tenant (required).")]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let tenant = try arguments.requiredString("tenant")
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 0)
        guard try TenantBudget.remove(tenant: tenant, on: connection) else { throw CommandFailure("tenant '\(tenant)' has no budget") }
        print("removed the budget of tenant '\(tenant)'")
        return 0
    }
}
