/// One typed value crossing to or from the server: a statement parameter, a COPY field, or a
/// result cell.
///
/// Parameters are always sent apart from the SQL text (`$1`, `$2`, …), declared with their
/// type, so no value is ever parsed as SQL. Literals make short parameter lists:
/// `[42, "text", nil, true]` are `.bigint`, `.text`, `.null` and `.bool`.
public enum PostgresValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case smallint(Int16)
    case integer(Int32)
    case bigint(Int64)
    case double(Double)
    case numeric(PostgresNumeric)
    /// UTF-8 text; PostgreSQL text cannot hold U+0000.
    case text(String)
    case bytea([UInt8])
    case timestamptz(PostgresTimestamp)
    case date(PostgresDate)

    /// The type a parameter is declared as; `.unspecified` for null, which the server then
    /// types from context.
    public var type: PostgresType {
        switch self {
        case .null: .unspecified
        case .bool: .bool
        case .smallint: .smallint
        case .integer: .integer
        case .bigint: .bigint
        case .double: .double
        case .numeric: .numeric
        case .text: .text
        case .bytea: .bytea
        case .timestamptz: .timestamptz
        case .date: .date
        }
    }

    /// The text the type's input function reads (the server's text format); nil for null.
    var textForm: String? {
        switch self {
        case .null: nil
        case .bool(let value): value ? "t" : "f"
        case .smallint(let value): String(value)
        case .integer(let value): String(value)
        case .bigint(let value): String(value)
        case .double(let value):
            // Swift prints the shortest text that reads back as the same double; only the
            // names of the special values differ from PostgreSQL's.
            value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-Infinity" : "Infinity") : String(value)
        case .numeric(let value): value.text
        case .text(let value): value
        case .bytea(let value): "\\x" + Self.hexadecimal(value)
        case .timestamptz(let value): value.description
        case .date(let value): value.description
        }
    }

    private static func hexadecimal(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension PostgresValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
                         ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    public init(integerLiteral value: Int64) { self = .bigint(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}
