import Postgres

/// Totals of the billed decisions over a period, grouped by any of tenant, model, router
/// version, tag, day, week and month, for one tenant or all, one router version or all. A
/// decision is booked at its request time (the query's `created_at`; its decision time where the
/// ledger does not know it) or, on request, at its decision time; superseded decisions are not
/// billed and count nowhere. Runs with the privileges and row-level security of the
/// connection's role: a tenant-scoped role sums its tenants' rows only.
public struct AuditQuery: Sendable {
    public enum Grouping: Sendable, Hashable {
        case tenant, model, routerVersion
        /// The value of one of the query's tags; rows without it have an empty key.
        case tag(String)
        case day, week, month

        /// Every grouping but `tag`, which takes a key.
        public static let fixed: [Grouping] = [.tenant, .model, .routerVersion, .day, .week, .month]

        /// `tenant`, `router_version`, `tag:team`: as `--group-by` names it and reports head it.
        public var name: String {
            switch self {
            case .tenant: "tenant"
            case .model: "model"
            case .routerVersion: "router_version"
            case .tag(let key): "tag:\(key)"
            case .day: "day"
            case .week: "week"
            case .month: "month"
            }
        }

        public init?(name: String) {
            if name.hasPrefix("tag:") {
                let key = String(name.dropFirst(4))
                guard !key.isEmpty else { return nil }
                self = .tag(key)
                return
            }
            guard let grouping = Self.fixed.first(where: { $0.name == name }) else { return nil }
            self = grouping
        }
    }

    /// Which time books a decision to a period and a day.
    public enum BookingTime: String, Sendable, CaseIterable {
        /// When the query was made (its decision time for rows recorded without it).
        case request
        /// When the router decided.
        case decision
    }

    /// Decisions booked at or after this time (UTC)…
    public var from: PostgresTimestamp?
    /// …and before this one.
    public var to: PostgresTimestamp?
    public var groupBy: [Grouping]
    public var tenant: String?
    /// Only the decisions of this `router_version` (a replayed or re-versioned router's apart).
    public var routerVersion: String?
    public var bookedAt: BookingTime

    public init(from: PostgresTimestamp? = nil, to: PostgresTimestamp? = nil, groupBy: [Grouping] = [], tenant: String? = nil,
                routerVersion: String? = nil, bookedAt: BookingTime = .request) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.tenant = tenant
        self.routerVersion = routerVersion
        self.bookedAt = bookedAt
    }

    /// Whole UTC days by request time can be summed from the daily rollups instead of every
    /// ledger row; the rollups keep neither the router version nor tags nor decision days, so a
    /// query that asks for one of them reads the ledger.
    public var source: AuditReport.Source {
        let wholeDays = [from, to].allSatisfy { bound in
            bound.map { $0.microsecondsSince2000 % Self.microsecondsPerDay == 0 } ?? true
        }
        let inRollups = routerVersion == nil && bookedAt == .request && groupBy.allSatisfy { $0.rollupExpression != nil }
        return wholeDays && inRollups ? .rollups : .ledger
    }

    public func run(on connection: PostgresConnection) throws -> AuditReport {
        let source = source
        // Tag keys are parameters, numbered after the filters' four.
        var tagKeys: [PostgresValue] = []
        let keys = source == .rollups ? groupBy.compactMap(\.rollupExpression) : groupBy.map { grouping in
            if case .tag(let key) = grouping { tagKeys.append(.text(key)) }
            return grouping.ledgerExpression(bookedAt: bookedAt.column, tagParameter: 4 + tagKeys.count)
        }
        let keyColumns = keys.indices.map { "key\($0)" }
        let keyList = zip(keys, keyColumns).map { "\($0) AS \($1)" }
        let positions = keys.indices.map { String($0 + 1) }
        var sql = "SELECT " + (keyList + [source == .rollups ? Self.rollupSums : Self.ledgerSums]).joined(separator: ", ")
        var parameters: [PostgresValue]
        switch source {
        case .rollups:
            sql += """

                FROM ledger_daily
                WHERE ($1::date IS NULL OR day >= $1) AND ($2::date IS NULL OR day < $2) AND ($3::text IS NULL OR tenant = $3)
                  AND decisions <> 0
                """
            // Whole days here, so the division is exact.
            func day(_ time: PostgresTimestamp) -> PostgresValue {
                .date(PostgresDate(daysSince2000: Int32(clamping: time.microsecondsSince2000 / Self.microsecondsPerDay)))
            }
            parameters = [from.map(day) ?? .null, to.map(day) ?? .null]
        case .ledger:
            sql += """

                FROM ledger
                WHERE ($1::timestamptz IS NULL OR \(bookedAt.column) >= $1) AND ($2::timestamptz IS NULL OR \(bookedAt.column) < $2)
                  AND ($3::text IS NULL OR tenant = $3) AND ($4::text IS NULL OR router_version = $4) AND superseded_at IS NULL
                """
            parameters = [from.map { .timestamptz($0) } ?? .null, to.map { .timestamptz($0) } ?? .null]
        }
        parameters.append(tenant.map { .text($0) } ?? .null)
        if source == .ledger { parameters += [routerVersion.map { .text($0) } ?? .null] + tagKeys }
        if !keys.isEmpty {
            let list = positions.joined(separator: ", ")
            sql += "\nGROUP BY \(list) ORDER BY \(list)"
        }
        let rows = try connection.query(sql, parameters).compactMap { row -> AuditReport.Row? in
            let totals = try AuditTotals(row: row)
            // With no grouping an empty ledger still answers one row, of nothing.
            guard !keys.isEmpty || totals.requests > 0 else { return nil }
            return AuditReport.Row(keys: try keyColumns.map { try row.decode(String.self, column: $0) }, totals: totals)
        }
        return AuditReport(groupBy: groupBy, rows: rows, source: source)
    }

    private static let microsecondsPerDay: Int64 = 86_400_000_000

    // Both sums name their columns as `AuditTotals(row:)` reads them.
    private static let rollupSums = """
        coalesce(sum(decisions), 0)::bigint AS requests, coalesce(sum(decisions_with_usage), 0)::bigint AS requests_with_usage,
        coalesce(sum(input_tokens), 0)::bigint AS input_tokens, coalesce(sum(output_tokens), 0)::bigint AS output_tokens,
        coalesce(sum(cost), 0) AS cost, coalesce(sum(reference_cost), 0) AS reference_cost, coalesce(sum(savings), 0) AS savings
        """

    private static let ledgerSums = """
        count(*) AS requests, count(actual_cost) AS requests_with_usage,
        coalesce(sum(coalesce(actual_input_tokens, estimated_input_tokens)), 0)::bigint AS input_tokens,
        coalesce(sum(coalesce(actual_output_tokens, estimated_output_tokens)), 0)::bigint AS output_tokens,
        coalesce(sum(coalesce(actual_cost, estimated_cost)), 0) AS cost,
        coalesce(sum(coalesce(actual_reference_cost, estimated_reference_cost)), 0) AS reference_cost,
        coalesce(sum(savings), 0) AS savings
        """
}

private extension AuditTotals {
    /// The sums of a row of `AuditQuery`'s result.
    init(row: PostgresRow) throws {
        func money(_ column: String) throws -> MicroUSD {
            try MicroUSD(try row.decode(PostgresNumeric.self, column: column))
        }
        self.init()
        requests = try row.decode(column: "requests")
        requestsWithUsage = try row.decode(column: "requests_with_usage")
        inputTokens = try row.decode(column: "input_tokens")
        outputTokens = try row.decode(column: "output_tokens")
        cost = try money("cost")
        referenceCost = try money("reference_cost")
        savings = try money("savings")
    }
}

extension AuditQuery.BookingTime {
    /// The ledger's expression for it (the daily rollups are by the same request day).
    var column: String {
        switch self {
        case .request: "coalesce(requested_at, decided_at)"
        case .decision: "decided_at"
        }
    }
}

extension AuditQuery.Grouping {
    /// Group keys as text that does not depend on the session's `DateStyle`; nil for a key the
    /// rollups do not keep.
    var rollupExpression: String? {
        switch self {
        case .tenant: "tenant"
        case .model: "model"
        case .routerVersion, .tag: nil
        case .day: "to_char(day, 'YYYY-MM-DD')"
        case .week: "to_char(day, 'IYYY-\"W\"IW')"
        case .month: "to_char(day, 'YYYY-MM')"
        }
    }

    /// The key of a ledger row: days, weeks and months those of `bookedAt`, a tag's value that
    /// under the key in parameter `tagParameter`.
    func ledgerExpression(bookedAt: String, tagParameter: Int) -> String {
        switch self {
        case .tenant: "tenant"
        case .model: "chosen_model"
        case .routerVersion: "router_version"
        case .tag: "coalesce(tags ->> $\(tagParameter)::text, '')"
        case .day: "to_char(\(bookedAt) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case .week: "to_char(\(bookedAt) AT TIME ZONE 'UTC', 'IYYY-\"W\"IW')"
        case .month: "to_char(\(bookedAt) AT TIME ZONE 'UTC', 'YYYY-MM')"
        }
    }
}
