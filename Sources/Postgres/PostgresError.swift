/// A failure reported by the server or by libpq, with the operation that failed.
///
/// Server errors carry their SQLSTATE and the fields PostgreSQL sends with it; a failure of
/// the connection itself says so in `connectionLost`, after which the next operation on the
/// connection reconnects.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What was being done: `connect`, `execute`, `copy into ledger`, …
    public let operation: String
    /// The five-character SQLSTATE, when the server sent one.
    public let sqlState: SQLState?
    /// The primary message, e.g. `duplicate key value violates unique constraint "…"`.
    public let message: String
    public let detail: String?
    public let hint: String?
    /// The constraint a violation names, when there is one.
    public let constraint: String?
    /// True when the connection was broken, so the outcome of the operation is unknown.
    public let connectionLost: Bool

    public init(operation: String, sqlState: SQLState? = nil, message: String, detail: String? = nil,
                hint: String? = nil, constraint: String? = nil, connectionLost: Bool = false) {
        self.operation = operation
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.connectionLost = connectionLost
    }

    public var description: String {
        var text = "\(operation) failed: "
        if let sqlState { text += "[\(sqlState)] " }
        text += message
        if let detail { text += " (\(detail))" }
        if let hint { text += " hint: \(hint)" }
        if connectionLost, sqlState == nil { text += " (connection lost)" }
        return text
    }
}

/// A SQLSTATE error code (PostgreSQL manual, appendix A). The named ones are those the
/// project acts on.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let duplicateObject = SQLState(rawValue: "42710")

    public var description: String { rawValue }

    /// True for errors about the values a statement carried rather than the server or the
    /// session: a data exception (class 22), an integrity constraint violation (23) or a value
    /// beyond an implementation limit (54, such as an index entry too large). Sending the same
    /// values again fails the same way; leaving them out lets the rest through.
    public var rejectsTheValues: Bool {
        ["22", "23", "54"].contains(rawValue.prefix(2))
    }
}

extension PostgresError {
    /// The same error, said to have happened during a larger `operation`.
    func during(_ operation: String) -> PostgresError {
        PostgresError(operation: operation, sqlState: sqlState, message: message, detail: detail, hint: hint,
                      constraint: constraint, connectionLost: connectionLost)
    }
}
