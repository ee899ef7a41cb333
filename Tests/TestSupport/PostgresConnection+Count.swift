import Postgres

extension PostgresConnection {
    /// The number a counting query names `n`, as in `SELECT count(*) AS n FROM ledger`; read by
    /// name so a query that returns something else fails saying which columns it has.
    public func count(_ sql: String, _ parameters: [PostgresValue] = []) throws -> Int {
        try query(sql, parameters)[0].decode(Int.self, column: "n")
    }
}
