/// A PostgreSQL data type, named by its OID in `pg_type`: what a parameter is declared as and
/// what a result column holds.
public struct PostgresType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Left for the server to infer from where the parameter is used.
    public static let unspecified = PostgresType(rawValue: 0)
    public static let bool = PostgresType(rawValue: 16)
    public static let bytea = PostgresType(rawValue: 17)
    public static let name = PostgresType(rawValue: 19)
    public static let bigint = PostgresType(rawValue: 20)
    public static let smallint = PostgresType(rawValue: 21)
    public static let integer = PostgresType(rawValue: 23)
    public static let text = PostgresType(rawValue: 25)
    public static let oid = PostgresType(rawValue: 26)
    public static let real = PostgresType(rawValue: 700)
    public static let double = PostgresType(rawValue: 701)
    public static let unknown = PostgresType(rawValue: 705)
    public static let character = PostgresType(rawValue: 1042)
    public static let varchar = PostgresType(rawValue: 1043)
    public static let date = PostgresType(rawValue: 1082)
    public static let timestamptz = PostgresType(rawValue: 1184)
    public static let numeric = PostgresType(rawValue: 1700)
    public static let void = PostgresType(rawValue: 2278)

    public var description: String {
        switch self {
        case .unspecified: "unspecified"
        case .bool: "boolean"
        case .bytea: "bytea"
        case .name: "name"
        case .bigint: "bigint"
        case .smallint: "smallint"
        case .integer: "integer"
        case .text: "text"
        case .oid: "oid"
        case .real: "real"
        case .double: "double precision"
        case .unknown: "unknown"
        case .character: "character"
        case .varchar: "character varying"
        case .date: "date"
        case .timestamptz: "timestamp with time zone"
        case .numeric: "numeric"
        case .void: "void"
        default: "type oid \(rawValue)"
        }
    }
}
