import Foundation

/// A Swift type a result value converts to without loss; `init` fails when it would not.
public protocol PostgresDecodable {
    init?(postgresValue: PostgresValue)
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        if postgresValue == .null {
            self = .none
        } else if let wrapped = Wrapped(postgresValue: postgresValue) {
            self = .some(wrapped)
        } else {
            return nil
        }
    }
}

/// Any integer column whose value fits.
extension PostgresDecodable where Self: FixedWidthInteger {
    public init?(postgresValue: PostgresValue) {
        switch postgresValue {
        case .smallint(let value): self.init(exactly: value)
        case .integer(let value): self.init(exactly: value)
        case .bigint(let value): self.init(exactly: value)
        default: return nil
        }
    }
}

extension Int: PostgresDecodable {}
extension Int64: PostgresDecodable {}
extension Int32: PostgresDecodable {}
extension Int16: PostgresDecodable {}

extension Bool: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        guard case .bool(let value) = postgresValue else { return nil }
        self = value
    }
}

extension String: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        guard case .text(let value) = postgresValue else { return nil }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        guard case .double(let value) = postgresValue else { return nil }
        self = value
    }
}

extension PostgresNumeric: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        guard case .numeric(let value) = postgresValue else { return nil }
        self = value
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    public init?(postgresValue: PostgresValue) {
        guard case .bytea(let value) = postgresValue else { return nil }
        self = value
    }
}

extension PostgresTimestamp: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        guard case .timestamptz(let value) = postgresValue else { return nil }
        self = value
    }
}

extension Date: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        guard case .timestamptz(let value) = postgresValue else { return nil }
        self = value.date
    }
}

extension PostgresDate: PostgresDecodable {
    public init?(postgresValue: PostgresValue) {
        guard case .date(let value) = postgresValue else { return nil }
        self = value
    }
}
