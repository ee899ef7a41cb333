import CLibPQ
import Foundation

extension PostgresConnection {
    /// Runs one statement with its parameters and returns the rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws -> Int {
        try run(sql, parameters, operation: "execute").affectedRows
    }

    /// Runs one statement with its parameters and returns its rows.
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) throws -> [PostgresRow] {
        try run(sql, parameters, operation: "query").rows(operation: "query")
    }

    /// Prepares `sql` on the server, with the given parameter types (the rest inferred).
    public func prepare(_ sql: String, types: [PostgresType] = []) throws -> PreparedStatement {
        let statement = PreparedStatement(sql: sql, types: types)
        try ensurePrepared(statement, on: try liveHandle(for: "prepare"))
        return statement
    }

    @discardableResult
    public func execute(_ statement: PreparedStatement, _ parameters: [PostgresValue] = []) throws -> Int {
        try run(statement, parameters, operation: "execute").affectedRows
    }

    public func query(_ statement: PreparedStatement, _ parameters: [PostgresValue] = []) throws -> [PostgresRow] {
        try run(statement, parameters, operation: "query").rows(operation: "query")
    }

    /// Runs SQL text that takes no parameters and may hold several statements, such as a
    /// migration. Never build this text from data: data goes in parameters.
    public func executeScript(_ sql: String) throws {
        let handle = try liveHandle(for: "execute script")
        try checked(PQexec(handle, sql), on: handle, operation: "execute script")
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// A statement that failed inside `body` aborts the transaction even if `body` caught its
    /// error; the commit then refuses rather than reporting success.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        guard !isInTransaction else {
            throw PostgresError(operation: "begin", message: "a transaction is already open on this connection")
        }
        try executeScript("BEGIN")
        isInTransaction = true
        let value: T
        do {
            value = try body()
            guard PQtransactionStatus(try liveHandle(for: "commit")) == PQTRANS_INTRANS else {
                throw PostgresError(operation: "commit", message: "the transaction was aborted by an earlier error and has been rolled back")
            }
        } catch {
            isInTransaction = false
            rollBackIfOpen()
            throw error
        }
        isInTransaction = false
        try executeScript("COMMIT")
        return value
    }

    /// Runs `body` inside the open transaction under a savepoint: when it throws, what it did is
    /// undone and the transaction goes on as it was before, so the caller can try something else.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        guard isInTransaction else {
            throw PostgresError(operation: "savepoint", message: "a savepoint needs an open transaction")
        }
        try executeScript("SAVEPOINT routeledger_savepoint")
        let value: T
        do {
            value = try body()
        } catch {
            // A lost connection has lost the transaction too: nothing is left to roll back to.
            if !((error as? PostgresError)?.connectionLost ?? false) {
                try executeScript("ROLLBACK TO SAVEPOINT routeledger_savepoint")
                try executeScript("RELEASE SAVEPOINT routeledger_savepoint")
            }
            throw error
        }
        try executeScript("RELEASE SAVEPOINT routeledger_savepoint")
        return value
    }

    private func rollBackIfOpen() {
        guard let handle = try? liveHandle(for: "roll back") else { return }
        let status = PQtransactionStatus(handle)
        if status == PQTRANS_INTRANS || status == PQTRANS_INERROR {
            PQclear(PQexec(handle, "ROLLBACK"))
        }
    }

    // MARK: - Sending

    private func run(_ sql: String, _ parameters: [PostgresValue], operation: String) throws -> Result {
        let handle = try liveHandle(for: operation)
        let types = parameters.map(\.type.rawValue)
        let result = try withTextParameters(parameters, operation: operation) { values in
            PQexecParams(handle, sql, Int32(parameters.count), types, values, nil, nil, 1)
        }
        return try checked(result, on: handle, operation: operation)
    }

    private func run(_ statement: PreparedStatement, _ parameters: [PostgresValue], operation: String) throws -> Result {
        let handle = try liveHandle(for: operation)
        try ensurePrepared(statement, on: handle)
        let result = try withTextParameters(parameters, operation: operation) { values in
            PQexecPrepared(handle, statement.name, Int32(parameters.count), values, nil, nil, 1)
        }
        return try checked(result, on: handle, operation: operation)
    }

    private func ensurePrepared(_ statement: PreparedStatement, on handle: OpaquePointer) throws {
        if let sql = preparedInSession[statement.name] {
            guard sql == statement.sql else {
                throw PostgresError(operation: "prepare", message: "two statements share the name \(statement.name)")
            }
            return
        }
        let types = statement.types.map(\.rawValue)
        try checked(PQprepare(handle, statement.name, statement.sql, Int32(types.count), types),
                    on: handle, operation: "prepare")
        preparedInSession[statement.name] = statement.sql
    }

    /// Passes the parameters' text forms as C strings (NULL for SQL null). Text cannot carry
    /// U+0000, so such a value is refused before anything is sent.
    private func withTextParameters(
        _ parameters: [PostgresValue], operation: String,
        _ body: ([UnsafePointer<CChar>?]) -> OpaquePointer?
    ) throws -> OpaquePointer? {
        var strings: [UnsafeMutablePointer<CChar>?] = []
        strings.reserveCapacity(parameters.count)
        defer { strings.forEach { free($0) } }
        for (index, parameter) in parameters.enumerated() {
            guard let text = parameter.textForm else {
                strings.append(nil)
                continue
            }
            if text.utf8.contains(0) {
                throw PostgresError(operation: operation,
                                    message: "parameter $\(index + 1) contains U+0000, which PostgreSQL text cannot hold")
            }
            strings.append(strdup(text))
        }
        return body(strings.map { $0.map { UnsafePointer($0) } })
    }
}
