import Foundation

/// Typed access to the fields of one parsed JSON object; every complaint names the field.
struct JSONFields {
    let object: [String: Any]

    init(_ object: [String: Any]) {
        self.object = object
    }

    /// The fields of a line of JSON Lines; a line that is not an object is an unreadable row.
    init(line parsed: Result<[String: Any], JSONLineError>) throws(FieldProblem) {
        switch parsed {
        case .success(let object): self.object = object
        case .failure(let error): throw FieldProblem(reason: .unreadableRow, detail: error.description)
        }
    }

    func isPresent(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        return !(value is NSNull)
    }

    func string(_ key: String) throws(FieldProblem) -> String {
        guard isPresent(key) else { throw FieldProblem(reason: .missingField, detail: "missing field '\(key)'") }
        guard let text = object[key] as? String else {
            throw FieldProblem(reason: .malformedField, detail: "field '\(key)' is not a string")
        }
        return text
    }

    func optionalString(_ key: String) throws(FieldProblem) -> String? {
        isPresent(key) ? try string(key) : nil
    }

    /// A number, or a boolean read as 1 or 0; nil when absent or null.
    func optionalNumber(_ key: String) throws(FieldProblem) -> Double? {
        guard isPresent(key) else { return nil }
        guard let number = object[key] as? NSNumber, !(object[key] is String) else {
            throw FieldProblem(reason: .malformedField, detail: "field '\(key)' is not a number")
        }
        let value = number.doubleValue
        guard value.isFinite else {
            throw FieldProblem(reason: .malformedField, detail: "field '\(key)' is not a finite number")
        }
        return value
    }
}

/// What is wrong with one field of a row.
struct FieldProblem: Error {
    let reason: SkipReason
    let detail: String
}
