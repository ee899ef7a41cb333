import Postgres

/// Supersedes a billed decision: it stays in the ledger, with when, why and by whom, but is no
/// longer billed, and its query may be billed by another decision (booked by the ledger stage,
/// or by `ledger retry-deadletters` for one it refused as `duplicate_query`). A decision whose
/// usage was reported was answered and paid for: it cannot be superseded.
public enum LedgerSupersession {
    /// The query the superseded decision billed.
    public struct Superseded: Sendable, Equatable {
        public let tenant: String
        public let queryID: String
        public let routerVersion: String
    }

    @discardableResult
    public static func supersede(decisionID: String, reason: String, on connection: PostgresConnection) throws -> Superseded {
        guard !reason.allSatisfy(\.isWhitespace) else { throw LedgerError("a supersession needs a reason") }
        if let row = try connection.query("""
            UPDATE ledger SET superseded_at = now(), superseded_reason = $2, superseded_by = current_user
            WHERE decision_id = $1 AND superseded_at IS NULL AND usage_recorded_at IS NULL
            RETURNING tenant, query_id, router_version
            """, [.text(decisionID), .text(reason)]).first {
            return Superseded(tenant: try row.decode(column: "tenant"), queryID: try row.decode(column: "query_id"),
                              routerVersion: try row.decode(column: "router_version"))
        }
        guard let row = try connection.query("""
            SELECT superseded_at IS NOT NULL AS superseded, superseded_reason, usage_recorded_at IS NOT NULL AS answered
            FROM ledger WHERE decision_id = $1
            """, [.text(decisionID)]).first else {
            throw LedgerError("decision \(decisionID) is not in the ledger")
        }
        if try row.decode(Bool.self, column: "superseded") {
            throw LedgerError("decision \(decisionID) is already superseded (\(try row.decode(String.self, column: "superseded_reason")))")
        }
        throw LedgerError("decision \(decisionID) was answered (its usage is recorded) and is billed: it cannot be superseded")
    }
}
