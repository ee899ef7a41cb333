import Foundation

/// A parsed JSON object with typed field accessors whose failures name the field, for events
/// whose every defect must be reported precisely.
struct JSONObject {
    let fields: [String: Any]

    /// Parses UTF-8 bytes holding one JSON object.
    init(bytes: Data) throws(EventRejection) {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw EventRejection(.invalidUTF8, "the event is not valid UTF-8")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        } catch {
            throw EventRejection(.malformedJSON, "the event is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw EventRejection(.malformedJSON, "the event is not a JSON object")
        }
        fields = object
    }

    init(fields: [String: Any]) {
        self.fields = fields
    }

    func has(_ key: String) -> Bool {
        fields[key] != nil && !(fields[key] is NSNull)
    }

    func requiredString(_ key: String, maxLength: Int = 1_024) throws(EventRejection) -> String {
        guard has(key) else { throw EventRejection(.missingField, "'\(key)' is required") }
        guard let value = fields[key] as? String else {
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
        guard let value = fields[key] as? String else {
            throw EventRejection(.invalidField, "'\(key)' must be a string")
        }
        return value
    }

    /// An integer field within bounds; JSON numbers with a fraction or out of range are refused.
    func optionalInteger(_ key: String, range: ClosedRange<Int64>) throws(EventRejection) -> Int64? {
        guard has(key) else { return nil }
        guard let number = fields[key] as? NSNumber, !isBoolean(fields[key]),
              number.doubleValue.rounded() == number.doubleValue else {
            throw EventRejection(.invalidField, "'\(key)' must be an integer")
        }
        let value = number.doubleValue
        guard value.isFinite, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw EventRejection(.invalidField, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number.int64Value
    }

    func requiredInteger(_ key: String, range: ClosedRange<Int64>) throws(EventRejection) -> Int64 {
        guard let value = try optionalInteger(key, range: range) else {
            throw EventRejection(.missingField, "'\(key)' is required")
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

    func optionalObject(_ key: String) throws(EventRejection) -> [String: Any]? {
        guard has(key) else { return nil }
        guard let value = fields[key] as? [String: Any] else {
            throw EventRejection(.invalidField, "'\(key)' must be an object")
        }
        return value
    }

    func optionalStringArray(_ key: String) throws(EventRejection) -> [String]? {
        guard has(key) else { return nil }
        guard let values = fields[key] as? [Any], let strings = values as? [String] else {
            throw EventRejection(.invalidField, "'\(key)' must be an array of strings")
        }
        return strings
    }

    /// A vector of finite numbers.
    func optionalFloatArray(_ key: String) throws(EventRejection) -> [Float]? {
        guard has(key) else { return nil }
        guard let values = fields[key] as? [Any] else {
            throw EventRejection(.badEmbedding, "'\(key)' must be an array of numbers")
        }
        var vector = [Float]()
        vector.reserveCapacity(values.count)
        for value in values {
            guard let number = value as? NSNumber, !isBoolean(value) else {
                throw EventRejection(.badEmbedding, "'\(key)' must hold only numbers")
            }
            let float = number.floatValue
            guard float.isFinite else { throw EventRejection(.badEmbedding, "'\(key)' holds a value out of float range") }
            vector.append(float)
        }
        return vector
    }
}

/// JSON `true`/`false` must not pass as the numbers 1 and 0.
/// (Foundation bridges numbers to Bool, so `is Bool` cannot tell; the boolean type code 'c' can.)
private func isBoolean(_ value: Any?) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return number.objCType.pointee == CChar(UInt8(ascii: "c"))
}

/// RFC 3339 timestamps, with or without fractional seconds.
func parseTimestamp(_ text: String) -> Date? {
    if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
    return try? Date(text, strategy: Date.ISO8601FormatStyle())
}

func formatTimestamp(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
