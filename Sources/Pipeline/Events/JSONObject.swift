import Foundation

/// A parsed JSON object with typed field accessors whose failures name the field, for events
/// whose every defect must be reported precisely.
struct JSONObject {
    let fields: [String: JSONValue]

    /// Parses UTF-8 bytes holding one JSON object.
    init(bytes: Data) throws(EventRejection) {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw EventRejection(.invalidUTF8, "the event is not valid UTF-8")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(bytes)
        } catch {
            throw EventRejection(.malformedJSON, "the event is not valid JSON: \(error)")
        }
        guard case .object(let object) = parsed else {
            throw EventRejection(.malformedJSON, "the event is not a JSON object")
        }
        fields = object
    }

    func has(_ key: String) -> Bool {
        switch fields[key] {
        case nil, .null?: false
        default: true
        }
    }

    func requiredString(_ key: String, maxLength: Int = 1_024) throws(EventRejection) -> String {
        guard has(key) else { throw EventRejection(.missingField, "'\(key)' is required") }
        guard case .string(let value)? = fields[key] else {
            throw EventRejection(.invalidField, "'\(key)' must be a string")
        }
        guard !value.isEmpty else { throw EventRejection(.invalidField, "'\(key)' must not be empty") }
        guard value.utf8.count <= maxLength else {
            throw EventRejection(.invalidField, "'\(key)' is longer than \(maxLength) bytes")
        }
        return value
    }

    func optionalString(_ key: String) throws(EventRejection) -> String? {
        guard has(key) else { return nil }
        guard case .string(let value)? = fields[key] else {
            throw EventRejection(.invalidField, "'\(key)' must be a string")
        }
        return value
    }

    /// An integer field within bounds; numbers with a fraction or out of range are refused.
    func optionalInteger(_ key: String, range: ClosedRange<Int64>) throws(EventRejection) -> Int64? {
        guard has(key) else { return nil }
        guard case .number(let value)? = fields[key], value.rounded() == value else {
            throw EventRejection(.invalidField, "'\(key)' must be an integer")
        }
        // Compared as integers: Double(Int64.max) rounds up to 2^63, which Int64 cannot hold.
        guard let integer = Int64(exactly: value), range.contains(integer) else {
            throw EventRejection(.invalidField, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return integer
    }

    func requiredInteger(_ key: String, range: ClosedRange<Int64>) throws(EventRejection) -> Int64 {
        guard let value = try optionalInteger(key, range: range) else {
            throw EventRejection(.missingField, "'\(key)' is required")
        }
        return value
    }

    /// A finite number within bounds.
    func requiredNumber(_ key: String, range: ClosedRange<Double>) throws(EventRejection) -> Double {
        guard has(key) else { throw EventRejection(.missingField, "'\(key)' is required") }
        guard case .number(let value)? = fields[key] else { throw EventRejection(.invalidField, "'\(key)' must be a number") }
        guard range.contains(value) else {
            throw EventRejection(.invalidField, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func requiredTimestamp(_ key: String) throws(EventRejection) -> Date {
        let text = try requiredString(key, maxLength: 64)
        guard let date = parseTimestamp(text) else {
            throw EventRejection(.invalidField, "'\(key)' must be an RFC 3339 timestamp such as 2026-11-24T10:00:00Z")
        }
        return date
    }

    func optionalObject(_ key: String) throws(EventRejection) -> [String: JSONValue]? {
        guard has(key) else { return nil }
        guard case .object(let value)? = fields[key] else {
            throw EventRejection(.invalidField, "'\(key)' must be an object")
        }
        return value
    }

    func optionalArray(_ key: String) throws(EventRejection) -> [JSONValue]? {
        guard has(key) else { return nil }
        guard case .array(let value)? = fields[key] else {
            throw EventRejection(.invalidField, "'\(key)' must be an array")
        }
        return value
    }

    func optionalStringArray(_ key: String) throws(EventRejection) -> [String]? {
        guard let values = try optionalArray(key) else { return nil }
        var strings: [String] = []
        for value in values {
            guard case .string(let text) = value else {
                throw EventRejection(.invalidField, "'\(key)' must be an array of strings")
            }
            strings.append(text)
        }
        return strings
    }

    /// A vector of numbers that fit a Float.
    func optionalFloatArray(_ key: String) throws(EventRejection) -> [Float]? {
        guard has(key) else { return nil }
        guard case .array(let values)? = fields[key] else {
            throw EventRejection(.badEmbedding, "'\(key)' must be an array of numbers")
        }
        var vector = [Float]()
        vector.reserveCapacity(values.count)
        for value in values {
            guard case .number(let number) = value else {
                throw EventRejection(.badEmbedding, "'\(key)' must hold only numbers")
            }
            let float = Float(number)
            guard float.isFinite else { throw EventRejection(.badEmbedding, "'\(key)' holds a value out of float range") }
            vector.append(float)
        }
        return vector
    }
}

/// RFC 3339 timestamps, with or without fractional seconds.
func parseTimestamp(_ text: String) -> Date? {
    if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
    return try? Date(text, strategy: Date.ISO8601FormatStyle())
}

func formatTimestamp(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
