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

    /// The field's value; nil when it is missing or null.
    private func present(_ key: String) -> JSONValue? {
        switch fields[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func has(_ key: String) -> Bool { present(key) != nil }

    func requiredString(_ key: String, maxLength: Int = 1_024) throws(EventRejection) -> String {
        guard let field = present(key) else { throw EventRejection(.missingField, "'\(key)' is required") }
        guard case .string(let value) = field else {
            throw EventRejection(.invalidField, "'\(key)' must be a string")
        }
        guard !value.isEmpty else { throw EventRejection(.invalidField, "'\(key)' must not be empty") }
        // Characters as JSON Schema's maxLength counts them: Unicode code points.
        guard value.unicodeScalars.count <= maxLength else {
            throw EventRejection(.invalidField, "'\(key)' is longer than \(maxLength) characters")
        }
        return value
    }

    /// An id, tenant, model name or version within `EventBounds`.
    func requiredIdentifier(_ key: String) throws(EventRejection) -> String {
        guard let value = try optionalIdentifier(key) else { throw EventRejection(.missingField, "'\(key)' is required") }
        return value
    }

    func optionalIdentifier(_ key: String) throws(EventRejection) -> String? {
        guard let value = try optionalString(key) else { return nil }
        if let problem = EventBounds.identifierProblem(value) { throw EventRejection(.invalidField, "'\(key)' \(problem)") }
        return value
    }

    func optionalString(_ key: String) throws(EventRejection) -> String? {
        guard let field = present(key) else { return nil }
        guard case .string(let value) = field else {
            throw EventRejection(.invalidField, "'\(key)' must be a string")
        }
        return value
    }

    /// An integer field within bounds; numbers with a fraction or out of range are refused.
    func optionalInteger(_ key: String, range: ClosedRange<Int64>) throws(EventRejection) -> Int64? {
        guard let field = present(key) else { return nil }
        guard case .number(let value) = field, value.rounded() == value else {
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
        guard let field = present(key) else { throw EventRejection(.missingField, "'\(key)' is required") }
        guard case .number(let value) = field else { throw EventRejection(.invalidField, "'\(key)' must be a number") }
        guard range.contains(value) else {
            throw EventRejection(.invalidField, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func requiredTimestamp(_ key: String) throws(EventRejection) -> Date {
        let text = try requiredString(key, maxLength: 64)
        guard let date = parseTimestamp(text) else {
            throw EventRejection(.invalidField, "'\(key)' must be an RFC 3339 timestamp of a real date and time, such as 2026-11-24T10:00:00Z")
        }
        return date
    }

    func optionalObject(_ key: String) throws(EventRejection) -> [String: JSONValue]? {
        guard let field = present(key) else { return nil }
        guard case .object(let value) = field else {
            throw EventRejection(.invalidField, "'\(key)' must be an object")
        }
        return value
    }

    func optionalArray(_ key: String) throws(EventRejection) -> [JSONValue]? {
        guard let field = present(key) else { return nil }
        guard case .array(let value) = field else {
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
        guard let field = present(key) else { return nil }
        guard case .array(let values) = field else {
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
