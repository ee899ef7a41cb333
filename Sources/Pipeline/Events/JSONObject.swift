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
            throw EventRejection(.invalidField, "'\(key)' must be an RFC 3339 timestamp such as 2026-11-24T10:00:00Z")
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

/// RFC 3339 timestamps, with or without fractional seconds.
func parseTimestamp(_ text: String) -> Date? {
    if let date = parseUTCTimestamp(text) { return date }
    if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
    return try? Date(text, strategy: Date.ISO8601FormatStyle())
}

func formatTimestamp(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}

/// The form events carry, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` from 1900 on with every field in
/// range and at most six fraction digits, read directly (Foundation's parser was a tenth of the
/// ledger stage's time); nil for anything else, which Foundation then reads or refuses. The two
/// can differ in a Double's last bits, never in the microsecond RouteLedger keeps: with at most
/// six digits the exact value is a whole microsecond.
private func parseUTCTimestamp(_ text: String) -> Date? {
    var text = text
    return text.withUTF8 { bytes -> Date? in
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for index in start..<start + count {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard bytes.count >= 20, bytes.count <= 27, bytes[bytes.count - 1] == UInt8(ascii: "Z"),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              year >= 1900, (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = month == 2 && leap ? 29 : daysInMonth[month - 1]
        guard (1...monthDays).contains(day) else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            let digits = bytes.count - 21
            guard bytes[19] == UInt8(ascii: "."), (1...6).contains(digits), let value = number(20, digits) else { return nil }
            fraction = Double(value) / powersOfTen[digits]
        }
        // Days since 1970-01-01 in the proleptic Gregorian calendar (years counted from March).
        let marchYear = month <= 2 ? year - 1 : year
        let era = marchYear / 400
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let days = era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        return Date(timeIntervalSinceReferenceDate: Double(seconds - 978_307_200) + fraction)
    }
}

/// Days per month outside leap years, and 10^n for n fraction digits: looked up per timestamp.
private let daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
private let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6]
