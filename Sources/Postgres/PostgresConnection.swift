import CLibPQ
import Foundation

/// One session with a PostgreSQL server, over libpq.
///
/// Blocking and owned by one thread at a time. Every statement takes its values as typed
/// parameters (`PostgresValue`), never spliced into the SQL; results arrive in the binary
/// format and decode exactly.
///
/// When the connection breaks, the failing operation throws a `PostgresError` with
/// `connectionLost`, since whether the server completed it is unknown. The next operation
/// reconnects, retrying with back-off under the `ReconnectPolicy`, prepares its statements
/// again and listens again on the channels it listened on; notifications sent in between are
/// lost. Inside `transaction` there is no reconnecting: the transaction is gone.
public final class PostgresConnection: CustomStringConvertible {
    public let settings: PostgresSettings
    public let reconnectPolicy: ReconnectPolicy

    private var handle: OpaquePointer?
    private var isClosed = false
    /// Names of the statements prepared in the current session, with their SQL.
    var preparedInSession: [String: String] = [:]
    /// Channels to listen on again after reconnecting, in the order first listened to.
    var channels: [String] = []
    var isInTransaction = false

    /// Connects, retrying under `reconnect` while the server is unreachable or starting up.
    public init(_ settings: PostgresSettings = PostgresSettings(), reconnect: ReconnectPolicy = .standard) throws {
        self.settings = settings
        self.reconnectPolicy = reconnect
        handle = try Self.open(settings, policy: reconnect)
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Ends the session; any later operation fails.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        isClosed = true
    }

    /// `user@host:port/database` of the current session, never a password.
    public var description: String {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return "not connected (\(settings))" }
        func field(_ value: UnsafeMutablePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "?" }
        return "\(field(PQuser(handle)))@\(field(PQhost(handle))):\(field(PQport(handle)))/\(field(PQdb(handle)))"
    }

    /// The live libpq connection for an operation, reconnecting first if the session broke.
    func liveHandle(for operation: String) throws -> OpaquePointer {
        if let handle, PQstatus(handle) == CONNECTION_OK { return handle }
        if isClosed {
            throw PostgresError(operation: operation, message: "the connection was closed")
        }
        if isInTransaction {
            throw PostgresError(operation: operation, message: "the connection was lost inside a transaction",
                                connectionLost: true)
        }
        if let handle { PQfinish(handle) }
        handle = nil
        preparedInSession = [:]
        let fresh = try Self.open(settings, policy: reconnectPolicy)
        handle = fresh
        for channel in channels {
            try checked(PQexec(fresh, "LISTEN \(try Self.quoteIdentifier(channel))"), on: fresh,
                        operation: "listen again on \(channel)")
        }
        return fresh
    }

    /// `name` as a double-quoted SQL identifier, for the few places SQL needs a name that
    /// cannot be a parameter (a table to COPY into, a channel, a role).
    public static func quoteIdentifier(_ name: String) throws -> String {
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw PostgresError(operation: "quote identifier", message: "an identifier must be non-empty text without U+0000")
        }
        return "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    // MARK: - Results

    /// Takes ownership of a result: returns it when its status is one of `accepted`, otherwise
    /// frees it and throws the error it carries.
    @discardableResult
    func checked(_ result: OpaquePointer?, on handle: OpaquePointer, operation: String,
                 accepting accepted: Set<ExecStatusType> = [PGRES_COMMAND_OK, PGRES_TUPLES_OK]) throws -> Result {
        guard let result else {
            throw PostgresError(operation: operation, message: Self.errorMessage(handle),
                                connectionLost: PQstatus(handle) != CONNECTION_OK)
        }
        let status = PQresultStatus(result)
        if accepted.contains(status) { return Result(result) }
        defer { PQclear(result) }
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let primary = field("M") ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        throw PostgresError(
            operation: operation,
            sqlState: field("C").map(SQLState.init(rawValue:)),
            message: primary.isEmpty ? "unexpected result \(String(cString: PQresStatus(status)))" : primary,
            detail: field("D"), hint: field("H"), constraint: field("n"),
            connectionLost: PQstatus(handle) != CONNECTION_OK)
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines()
    }

    /// A libpq result, freed with its owner.
    final class Result {
        let pointer: OpaquePointer

        init(_ pointer: OpaquePointer) {
            self.pointer = pointer
        }

        deinit {
            PQclear(pointer)
        }

        /// Rows affected, from the command tag (`INSERT 0 5` → 5); 0 when the tag has none.
        var affectedRows: Int {
            Int(String(cString: PQcmdTuples(pointer))) ?? 0
        }

        /// All rows, decoded from the binary format.
        func rows(operation: String) throws -> [PostgresRow] {
            let columnCount = Int(PQnfields(pointer))
            let names = (0..<columnCount).map { String(cString: PQfname(pointer, Int32($0))) }
            let types = (0..<columnCount).map { PostgresType(rawValue: PQftype(pointer, Int32($0))) }
            let columns = PostgresRow.Columns(names: names, types: types)
            return try (0..<Int(PQntuples(pointer))).map { row in
                let values = try (0..<columnCount).map { column -> PostgresValue in
                    let (r, c) = (Int32(row), Int32(column))
                    if PQgetisnull(pointer, r, c) != 0 { return .null }
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(pointer, r, c), count: Int(PQgetlength(pointer, r, c)))
                    do {
                        if let value = try BinaryFormat.decode(bytes, as: types[column]) { return value }
                    } catch let malformed as BinaryFormat.Malformed {
                        throw PostgresError(operation: operation,
                                            message: "column \"\(names[column])\" (\(types[column])) is malformed: \(malformed.reason)")
                    }
                    throw PostgresError(
                        operation: operation,
                        message: "column \"\(names[column])\" has type \(types[column]), which this client does not decode",
                        hint: "cast it in the query, e.g. \(names[column])::text")
                }
                return PostgresRow(columns: columns, values: values)
            }
        }
    }

    // MARK: - Connecting

    /// Opens a session, retrying under `policy` while the server cannot be reached or is not
    /// yet accepting connections.
    private static func open(_ settings: PostgresSettings, policy: ReconnectPolicy) throws -> OpaquePointer {
        // Text is exchanged as UTF-8 whatever the settings say; the application name helps
        // find our sessions in pg_stat_activity.
        let parameters = settings.parameters.filter { $0.keyword != "client_encoding" }
            + [.init(keyword: "client_encoding", value: "UTF8"),
               .init(keyword: "fallback_application_name", value: "routeledger")]
        let clock = ContinuousClock()
        let started = clock.now
        var failures = 0
        var retriedAfterSuccessfulPing = false
        while true {
            let (handle, ping) = withCStringArrays(parameters) { keywords, values in
                let handle = PQconnectdbParams(keywords, values, 0)!
                return (handle, PQstatus(handle) == CONNECTION_OK ? PQPING_OK : PQpingParams(keywords, values, 0))
            }
            if PQstatus(handle) == CONNECTION_OK {
                PQsetNoticeReceiver(handle, reportWarning, nil)
                return handle
            }
            let message = errorMessage(handle)
            PQfinish(handle)
            failures += 1
            // A server that answers pings refused us for a reason that waiting will not fix
            // (authentication, a missing database), unless it had only just finished starting.
            let answered = ping == PQPING_OK || ping == PQPING_NO_ATTEMPT
            if answered && ping == PQPING_OK && !retriedAfterSuccessfulPing {
                retriedAfterSuccessfulPing = true
                continue
            }
            let delay = policy.delay(afterFailures: failures)
            if answered || clock.now - started + delay > policy.giveUpAfter {
                let attempts = failures > 1 ? " (\(failures) attempts)" : ""
                throw PostgresError(operation: "connect to \(settings)", message: message + attempts)
            }
            Thread.sleep(forTimeInterval: delay.seconds)
        }
    }

    /// Calls `body` with NULL-terminated C arrays of the keywords and values.
    private static func withCStringArrays<T>(
        _ parameters: [PostgresSettings.Parameter],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> T
    ) -> T {
        let keywords = parameters.map { UnsafePointer(strdup($0.keyword)) } + [nil]
        let values = parameters.map { UnsafePointer(strdup($0.value)) } + [nil]
        defer {
            for pointer in keywords + values { free(UnsafeMutablePointer(mutating: pointer)) }
        }
        return body(keywords, values)
    }
}

/// Server warnings go to standard error; notices (such as "relation already exists,
/// skipping") are routine and dropped.
private func reportWarning(_: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let result,
          let severity = PQresultErrorField(result, Int32(Character("V").asciiValue!)).map({ String(cString: $0) }),
          ["WARNING", "ERROR", "FATAL", "PANIC"].contains(severity)
    else { return }
    let message = String(cString: PQresultErrorMessage(result))
    FileHandle.standardError.write(Data("PostgreSQL \(message)".utf8))
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
