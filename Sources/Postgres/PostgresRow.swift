/// One result row: its values, and the names and types of the columns.
public struct PostgresRow: Sendable {
    /// The shape shared by all rows of one result.
    public struct Columns: Sendable {
        public let names: [String]
        public let types: [PostgresType]
    }

    public let columns: Columns
    public let values: [PostgresValue]

    public subscript(index: Int) -> PostgresValue {
        values[index]
    }

    /// The value in column `index` as `T`; throws naming the column when it holds something
    /// else (for instance NULL where `T` is not optional). Internal so that other modules read
    /// by `decode(_:column:)`: a name still reads the right value when the SQL's column list changes.
    func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        guard values.indices.contains(index) else {
            throw PostgresError(operation: "decode", message: "no column \(index) in a row of \(values.count)")
        }
        guard let value = T(postgresValue: values[index]) else {
            throw PostgresError(operation: "decode",
                                message: "column \"\(columns.names[index])\" holds \(values[index]), not \(T.self)")
        }
        return value
    }

    /// The value of the first column named `name`, as `T`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column name: String) throws -> T {
        guard let index = columns.names.firstIndex(of: name) else {
            throw PostgresError(operation: "decode", message: "no column \"\(name)\" (columns: \(columns.names.joined(separator: ", ")))")
        }
        return try decode(T.self, at: index)
    }
}
