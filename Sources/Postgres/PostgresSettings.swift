import CLibPQ

/// Where and how to connect: a PostgreSQL URL (`postgresql://user@host:5432/db?sslmode=require`)
/// or libpq's `key=value` form, parsed by libpq itself. What it leaves unset comes from the
/// `PG*` environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, …)
/// and libpq's defaults when connecting; the empty string means "all from the environment".
///
/// The description never shows a password.
public struct PostgresSettings: Sendable, CustomStringConvertible {
    public struct Parameter: Sendable, Hashable {
        /// libpq's keyword: `host`, `port`, `dbname`, `user`, `password`, `sslmode`, …
        public let keyword: String
        public let value: String
    }

    /// The parameters the connection string sets, in libpq's order.
    public let parameters: [Parameter]

    /// Settings from the environment alone.
    public init() {
        parameters = []
    }

    public init(_ connectionString: String) throws {
        var failure: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &failure) else {
            let reason = failure.map { String(cString: $0) } ?? "out of memory"
            failure.map { PQfreemem($0) }
            throw PostgresError(
                operation: "parse connection string",
                message: Self.redacting(connectionString, in: reason.trimmingTrailingNewlines()))
        }
        defer { PQconninfoFree(options) }
        var parameters: [Parameter] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                parameters.append(Parameter(keyword: String(cString: keyword), value: String(cString: value)))
            }
            option += 1
        }
        self.parameters = parameters
    }

    public func value(_ keyword: String) -> String? {
        parameters.last(where: { $0.keyword == keyword })?.value
    }

    /// A copy with one parameter set (replacing what was there), e.g. another `dbname`.
    public func setting(_ keyword: String, to value: String) -> PostgresSettings {
        PostgresSettings(parameters: parameters.filter { $0.keyword != keyword } + [Parameter(keyword: keyword, value: value)])
    }

    public var description: String {
        if parameters.isEmpty { return "(from the PG* environment)" }
        return parameters.map { "\($0.keyword)=\($0.keyword == "password" ? "*****" : $0.value)" }
            .joined(separator: " ")
    }

    private init(parameters: [Parameter]) {
        self.parameters = parameters
    }

    /// libpq's complaint about a string it could not parse may quote the offending part, which
    /// can be the password: hide it.
    static func redacting(_ connectionString: String, in message: String) -> String {
        guard let password = passwordGuess(connectionString), !password.isEmpty else { return message }
        return message.replacingAll(password, with: "*****")
    }

    /// The password of a string that may not parse: the URL's `user:password@`, or the value
    /// after `password=`.
    private static func passwordGuess(_ text: String) -> String? {
        for scheme in ["postgresql://", "postgres://"] where text.hasPrefix(scheme) {
            let authority = text.dropFirst(scheme.count).prefix(while: { $0 != "/" && $0 != "?" })
            guard let at = authority.lastIndex(of: "@") else { return nil }
            let userInfo = authority[..<at]
            return userInfo.firstIndex(of: ":").map { String(userInfo[userInfo.index(after: $0)...]) }
        }
        guard let range = text.range(of: "password") else { return nil }
        let afterKeyword = text[range.upperBound...].drop(while: { $0 == " " })
        guard afterKeyword.first == "=" else { return nil }
        let value = afterKeyword.dropFirst().drop(while: { $0 == " " })
        if value.first == "'" {
            return String(value.dropFirst().prefix(while: { $0 != "'" }))
        }
        return String(value.prefix(while: { $0 != " " }))
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
