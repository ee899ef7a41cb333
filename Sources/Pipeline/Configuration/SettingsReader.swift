import Foundation
import Ranking

/// Reads one JSON object of settings, collecting every problem (with the setting's full path)
/// instead of stopping at the first, and flagging keys nobody asked for — a misspelt setting
/// must not be silently ignored.
final class SettingsReader {
    private(set) var problems: [String] = []
    private let path: String
    private let fields: [String: Any]
    private var consulted: Set<String> = []
    private let parent: SettingsReader?

    init(_ fields: [String: Any], path: String = "") {
        self.fields = fields
        self.path = path
        parent = nil
    }

    private init(_ fields: [String: Any], path: String, parent: SettingsReader) {
        self.fields = fields
        self.path = path
        self.parent = parent
    }

    func problem(_ key: String, _ message: String) {
        let full = path.isEmpty ? key : "\(path).\(key)"
        report("\(full): \(message)")
    }

    private func report(_ message: String) {
        if let parent { parent.report(message) } else { problems.append(message) }
    }

    private func value(_ key: String) -> Any? {
        consulted.insert(key)
        let value = fields[key]
        return value is NSNull ? nil : value
    }

    func string(_ key: String) -> String? {
        guard let raw = value(key) else { return nil }
        guard let text = raw as? String else {
            problem(key, "expected a string")
            return nil
        }
        return text
    }

    /// The value a string names, from `choices` (word, value); any other word is a problem
    /// listing the words.
    func choice<Value>(_ key: String, from choices: [(String, Value)]) -> Value? {
        guard let text = string(key) else { return nil }
        if let match = choices.first(where: { $0.0 == text }) { return match.1 }
        let words = choices.map(\.0)
        problem(key, "expected \(words.dropLast().joined(separator: ", ")) or \(words.last ?? ""), got '\(text)'")
        return nil
    }

    func strings(_ key: String) -> [String]? {
        guard let raw = value(key) else { return nil }
        guard let list = raw as? [String] else {
            problem(key, "expected an array of strings")
            return nil
        }
        return list
    }

    func bool(_ key: String) -> Bool? {
        guard let raw = value(key) else { return nil }
        guard let number = raw as? NSNumber, number.objCType.pointee == CChar(UInt8(ascii: "c")) else {
            problem(key, "expected true or false")
            return nil
        }
        return number.boolValue
    }

    func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let raw = value(key) else { return nil }
        guard let number = raw as? NSNumber, number.objCType.pointee != CChar(UInt8(ascii: "c")),
              number.doubleValue.rounded() == number.doubleValue, range.contains(number.intValue) else {
            problem(key, "expected an integer in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return number.intValue
    }

    func number(_ key: String, in range: ClosedRange<Double>) -> Double? {
        guard let raw = value(key) else { return nil }
        guard let number = raw as? NSNumber, number.objCType.pointee != CChar(UInt8(ascii: "c")),
              range.contains(number.doubleValue) else {
            problem(key, "expected a number in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return number.doubleValue
    }

    /// A kernel sharpness: a number in `KernelSharpness.range`, or the word `auto`.
    func kernelSharpness(_ key: String) -> KernelSharpness? {
        guard let raw = value(key) else { return nil }
        let range = KernelSharpness.range
        if let number = raw as? NSNumber, number.objCType.pointee != CChar(UInt8(ascii: "c")), range.contains(number.doubleValue) {
            return .fixed(number.doubleValue)
        }
        if let word = raw as? String, word == "auto" { return .auto }
        let given = (raw as? String).map { "'\($0)'" } ?? "\(raw)"
        problem(key, "expected a number in \(range.lowerBound)...\(range.upperBound) or \"auto\", got \(given)")
        return nil
    }

    /// A nested object, read by its own reader that reports into this one.
    func object(_ key: String) -> SettingsReader? {
        guard let raw = value(key) else { return nil }
        guard let nested = raw as? [String: Any] else {
            problem(key, "expected an object")
            return nil
        }
        return SettingsReader(nested, path: path.isEmpty ? key : "\(path).\(key)", parent: self)
    }

    func objects(_ key: String) -> [SettingsReader]? {
        guard let raw = value(key) else { return nil }
        guard let list = raw as? [[String: Any]] else {
            problem(key, "expected an array of objects")
            return nil
        }
        let prefix = path.isEmpty ? key : "\(path).\(key)"
        return list.enumerated().map { SettingsReader($1, path: "\(prefix)[\($0)]", parent: self) }
    }

    /// A free-form object of string values (passed through, e.g. librdkafka properties).
    func stringMap(_ key: String) -> [String: String]? {
        guard let raw = value(key) else { return nil }
        guard let map = raw as? [String: String] else {
            problem(key, "expected an object whose values are strings")
            return nil
        }
        return map
    }

    /// The keys present, for objects whose keys are data (e.g. per-source caps).
    var keys: [String] { fields.keys.sorted().filter { !$0.hasPrefix("#") } }

    /// Call after reading: every key that was never consulted is reported as unknown. Keys
    /// starting with `#` are comments (JSON has none of its own).
    func finish() {
        for key in fields.keys.sorted() where !consulted.contains(key) && !key.hasPrefix("#") {
            problem(key, "unknown setting")
        }
    }
}
