import Postgres

extension PostgresConnection {
    /// Acts as `role` until `body` returns; the connection's own role after.
    @discardableResult
    public func asRole<T>(_ role: String, _ body: () throws -> T) throws -> T {
        try executeScript("SET ROLE \(try Self.quoteIdentifier(role))")
        defer { try? executeScript("RESET ROLE") }
        return try body()
    }
}
