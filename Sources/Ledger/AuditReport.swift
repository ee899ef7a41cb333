import Postgres

/// Totals of a set of ledger rows: what a finance team reads. Costs are the best known, as in
/// the ledger: actual where usage was reported (`requestsWithUsage` of the requests), estimated
/// otherwise.
public struct AuditTotals: Sendable, Equatable {
    public var requests: Int64 = 0
    public var requestsWithUsage: Int64 = 0
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cost = MicroUSD.zero
    public var referenceCost = MicroUSD.zero
    public var savings = MicroUSD.zero

    public init() {}

    public static func + (a: AuditTotals, b: AuditTotals) -> AuditTotals {
        var sum = AuditTotals()
        sum.requests = a.requests + b.requests
        sum.requestsWithUsage = a.requestsWithUsage + b.requestsWithUsage
        sum.inputTokens = a.inputTokens + b.inputTokens
        sum.outputTokens = a.outputTokens + b.outputTokens
        sum.cost = a.cost + b.cost
        sum.referenceCost = a.referenceCost + b.referenceCost
        sum.savings = a.savings + b.savings
        return sum
    }

    /// Savings as a share of the reference cost, in hundredths of a percent rounded half to
    /// even (6,240 is 62.40 %); nil when the reference cost is zero.
    public var savingsPercentHundredths: Int64? {
        guard referenceCost.microunits != 0 else { return nil }
        return Int64(roundHalfToEven(Int128(savings.microunits) * 10_000, divisor: Int128(referenceCost.microunits)))
    }

    /// `62.40`, or nil when the reference cost is zero.
    public var savingsPercentText: String? {
        savingsPercentHundredths.map { hundredths in
            let magnitude = hundredths.magnitude
            let fraction = String(magnitude % 100)
            return (hundredths < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction.count == 1 ? "0" : "") + fraction
        }
    }
}

/// The answer to an `AuditQuery`: one row per group, in order, and the total over all of them.
public struct AuditReport: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// One value per grouping of the query, in its order: a tenant, a model, a day
        /// (`2026-11-24`), an ISO week (`2026-W48`) or a month (`2026-11`).
        public let keys: [String]
        public let totals: AuditTotals
    }

    /// Where the totals were summed from.
    public enum Source: String, Sendable {
        /// The daily rollups: used when the period is whole UTC days.
        case rollups
        /// The ledger rows themselves: for a period that starts or ends inside a day, or by router version.
        case ledger
    }

    public let groupBy: [AuditQuery.Grouping]
    public let rows: [Row]
    public let source: Source

    public var total: AuditTotals { rows.reduce(AuditTotals()) { $0 + $1.totals } }
}
