import Foundation
import Ledger
import Postgres
import TestSupport
import Testing

/// The views docs/LEDGER.md gives a finance team: a monthly statement per tenant, savings
/// against always-strong, spend by tag and budget status, each checked against sums made by hand
/// from the prices (weak $1 / $2, strong $10 / $30 per million input / output tokens).
@Suite struct FinanceViewsTests {
    private typealias Data = LedgerTestData

    /// acme: q1 weak, made in October; q2 strong and q3 weak (usage 2,000 / 1,000 tokens) in
    /// November; q4 weak in November, then superseded. beta: q1 weak in November.
    /// At the estimated 1,000 / 500 tokens weak costs 1,000 + 1,000 = 2,000 µ$ and strong
    /// 10,000 + 15,000 = 25,000 µ$; q3's usage costs 2,000 + 2,000 = 4,000 µ$ weak against
    /// 20,000 + 30,000 = 50,000 µ$ strong.
    private func withLedger(_ body: (PostgresConnection) throws -> Void) throws {
        try Data.withPricedLedger { connection, writer in
            let decided = "2026-11-06T09:00:00Z"
            try writer.write(Data.batch([
                Data.decision("q1", at: decided, offset: 0, requestedAt: "2026-10-31T23:30:00Z", tags: ["team": "search"]),
                Data.decision("q2", model: "strong", at: decided, offset: 1, requestedAt: "2026-11-02T08:00:00Z",
                              tags: ["team": "ads", "feature": "summary"]),
                Data.decision("q3", at: decided, offset: 2, requestedAt: "2026-11-03T08:00:00Z"),
                Data.decision("q4", at: decided, offset: 3, requestedAt: "2026-11-04T08:00:00Z", tags: ["team": "search"]),
                Data.decision("q1", tenant: "beta", at: decided, offset: 4, requestedAt: "2026-11-05T08:00:00Z", tags: ["team": "search"]),
            ], [Data.usage("q3", naming: "d-acme-q3", input: 2_000, output: 1_000, offset: 0)]))
            try LedgerSupersession.supersede(decisionID: "d-acme-q4", reason: "sent twice", on: connection)
            try body(connection)
        }
    }

    private func micros(_ row: PostgresRow, _ column: String) throws -> Int64 {
        try row.decode(PostgresNumeric.self, column: column).units(scale: 6)!
    }

    @Test func theMonthlyStatementBooksByRequestMonthAndLeavesSupersededOut() throws {
        try withLedger { connection in
            let rows = try connection.query("""
                SELECT month::text AS month, tenant, requests, requests_with_usage, input_tokens, output_tokens,
                       cost, strong_only_cost, savings
                FROM finance_monthly_statement ORDER BY month, tenant
                """)
            let read = try rows.map { row in
                [try row.decode(String.self, column: "month"), try row.decode(String.self, column: "tenant"),
                 String(try row.decode(Int64.self, column: "requests")), String(try row.decode(Int64.self, column: "requests_with_usage")),
                 String(try row.decode(Int64.self, column: "input_tokens")), String(try row.decode(Int64.self, column: "output_tokens")),
                 String(try micros(row, "cost")), String(try micros(row, "strong_only_cost")), String(try micros(row, "savings"))]
            }
            #expect(read == [
                ["2026-10-01", "acme", "1", "0", "1000", "500", "2000", "25000", "23000"],
                // q2 at 25,000 and q3 at its usage, 4,000; always-strong 25,000 + 50,000.
                ["2026-11-01", "acme", "2", "1", "3000", "1500", "29000", "75000", "46000"],
                ["2026-11-01", "beta", "1", "0", "1000", "500", "2000", "25000", "23000"],
            ])
            // The statement agrees with the audit command's own totals.
            #expect(try AuditQuery().run(on: connection).total.cost == MicroUSD(microunits: 2_000 + 29_000 + 2_000))
        }
    }

    @Test func savingsAgainstAlwaysStrongCountTheStrongCallsAndThePercentage() throws {
        try withLedger { connection in
            let row = try #require(try connection.query("""
                SELECT requests, strong_requests, strong_percent::text AS strong_percent, cost, strong_only_cost, savings,
                       savings_percent::text AS savings_percent
                FROM finance_savings_against_strong WHERE tenant = 'acme' AND month = '2026-11-01'
                """).first)
            #expect(try row.decode(Int64.self, column: "requests") == 2)
            #expect(try row.decode(Int64.self, column: "strong_requests") == 1)
            #expect(try row.decode(String.self, column: "strong_percent") == "50.00")
            #expect(try micros(row, "cost") == 29_000 && micros(row, "strong_only_cost") == 75_000 && micros(row, "savings") == 46_000)
            // 46,000 / 75,000 = 61.333… %.
            #expect(try row.decode(String.self, column: "savings_percent") == "61.33")
        }
    }

    @Test func theRowsOfOneTagKeyAddUpToTheMonthsTotal() throws {
        try withLedger { connection in
            let rows = try connection.query("""
                SELECT tag, coalesce(value, '(none)') AS value, requests, cost
                FROM finance_spend_by_tag WHERE tenant = 'acme' AND month = '2026-11-01' ORDER BY tag, value
                """)
            let read = try rows.map { row in
                [try row.decode(String.self, column: "tag"), try row.decode(String.self, column: "value"),
                 String(try row.decode(Int64.self, column: "requests")), String(try micros(row, "cost"))]
            }
            // q4 (team search) was superseded: no "search" row in November.
            #expect(read == [
                ["feature", "(none)", "1", "4000"], ["feature", "summary", "1", "25000"],
                ["team", "(none)", "1", "4000"], ["team", "ads", "1", "25000"],
            ])
            let sums = try connection.query("""
                SELECT tag, sum(cost) AS cost FROM finance_spend_by_tag WHERE tenant = 'acme' AND month = '2026-11-01' GROUP BY tag
                """)
            #expect(try sums.allSatisfy { try micros($0, "cost") == 29_000 })
        }
    }

    /// The budget view counts this period's booked spend only, and a budgeted tenant without
    /// rows has spent nothing.
    @Test func budgetStatusCountsTheCurrentPeriodsBookedSpend() throws {
        try withLedger { connection in
            let writer = try LedgerWriter(connection: connection, consumerGroup: "ledger-now")
            let now = ISO8601DateFormatter().string(from: Date())
            try writer.write(Data.batch([Data.decision("q9", tenant: "beta", at: now, offset: 10, requestedAt: now)]))
            try TenantBudget.set(tenant: "beta", period: .month, limit: MicroUSD(microunits: 1_000_000), policy: .cheapest, on: connection)
            try TenantBudget.set(tenant: "gamma", period: .day, limit: MicroUSD(microunits: 500_000), policy: .deadletter, on: connection)
            let rows = try connection.query("SELECT tenant, booked, remaining FROM finance_budget_status ORDER BY tenant")
            let read = try rows.map { [try $0.decode(String.self, column: "tenant"), String(try micros($0, "booked")), String(try micros($0, "remaining"))] }
            // beta's November query is of an earlier month; only q9 (2,000 µ$) counts.
            #expect(read == [["beta", "2000", "998000"], ["gamma", "0", "500000"]])
            #expect(try TenantBudget.load(on: connection).map(\.booked) == [MicroUSD(microunits: 2_000), .zero])
        }
    }

    /// Read through row-level security: a tenant's login sees its tenant's months only.
    @Test func aTenantReaderSeesItsOwnTenantOnly() throws {
        try withLedger { connection in
            // Test databases are migrated with the default role names.
            let tenantReader = try SchemaRoles().tenantReader
            let login = "beta_finance_\(UUID().uuidString.prefix(8).lowercased())"
            let quoted = try PostgresConnection.quoteIdentifier(login)
            try connection.executeScript("CREATE ROLE \(quoted) IN ROLE \(try PostgresConnection.quoteIdentifier(tenantReader))")
            defer { try? connection.executeScript("DROP ROLE \(quoted)") }
            try connection.execute("INSERT INTO tenant_members (member_role, tenant) VALUES ($1, 'beta')", [.text(login)])
            let tenants = try connection.asRole(login) {
                try connection.query("SELECT DISTINCT tenant FROM finance_monthly_statement UNION SELECT tenant FROM finance_spend_by_tag")
                    .map { try $0.decode(String.self, column: "tenant") }
            }
            #expect(tenants == ["beta"])
        }
    }

    /// The queries docs/LEDGER.md shows under "Finance views" run as written.
    @Test func theDocumentedQueriesRun() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent("docs/LEDGER.md"), encoding: .utf8)
        let section = try #require(document.components(separatedBy: "## Finance views").dropFirst().first?.components(separatedBy: "\n## ").first)
        let block = try #require(section.components(separatedBy: "```sql\n").dropFirst().first?.components(separatedBy: "```").first)
        let statements = block.split(separator: ";").map { $0.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n") }
            .filter { !$0.allSatisfy(\.isWhitespace) }
        #expect(statements.count == 4)
        try withLedger { connection in
            let rows = try statements.map { try connection.query($0).count }
            // November's statement: acme and beta; savings: acme in October and November, beta in
            // November; no query has a cost_centre tag; nobody has a budget.
            #expect(rows == [2, 3, 0, 0])
        }
    }
}
