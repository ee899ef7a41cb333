import Foundation
import Ledger

/// The bounds every stage applies to what events carry, so that whatever one stage accepts the
/// next can store: an identifier the route stage routes is one the ledger can record and index.
/// The JSON Schemas in schemas/ state the same bounds; a test reads them and compares.
public enum EventBounds {
    /// Ids, tenants, model names and versions: 1 to 256 characters, counted as JSON Schema
    /// counts them (Unicode code points), so at most 1,024 UTF-8 bytes: well inside a btree
    /// index entry (about 2,700 bytes), which a longer value would overflow and stop the ledger.
    public static let identifierCharacters = 1...256

    /// Token counts: the ledger's `integer` columns. No single LLM call comes near.
    public static let tokens: ClosedRange<Int64> = 0...LedgerInputError.maximumTokens

    /// Why `value` cannot be an identifier, or nil when it can be one. Control characters are
    /// refused too: PostgreSQL text cannot hold U+0000, and the others would garble logs,
    /// metric labels and CSV reports.
    public static func identifierProblem(_ value: String) -> String? {
        let count = value.unicodeScalars.count
        guard count >= identifierCharacters.lowerBound else { return "must not be empty" }
        guard count <= identifierCharacters.upperBound else {
            return "is \(count) characters long; the limit is \(identifierCharacters.upperBound)"
        }
        if let control = value.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "contains the control character \(String(format: "U+%04X", control.value))"
        }
        return nil
    }

    /// At most this many tags a query: a row's tags stay small, and spend by tag stays a
    /// handful of columns, not the whole metadata.
    public static let maximumTags = 16
    /// Tag keys: 1 to 64 of `A–Z a–z 0–9 _ . : -`, so a key is safe in a CSV header, a URL
    /// and `audit --group-by tag:KEY` alike.
    public static let tagKeyCharacters = 1...64

    public static func isTagKey(_ key: String) -> Bool {
        tagKeyCharacters.contains(key.utf8.count) && key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "-"): true
            default: false
            }
        }
    }

    /// The tags of a query's `metadata`: its string values that are identifiers, under keys that
    /// are tag keys, the first `maximumTags` of them in key order. Other entries are not tags but
    /// still reach the model's workers unchanged.
    package static func tags(fromMetadata metadata: [String: JSONValue]) -> [String: String] {
        var tags: [String: String] = [:]
        for key in metadata.keys.sorted() where tags.count < maximumTags && isTagKey(key) {
            if case .string(let value) = metadata[key], identifierProblem(value) == nil { tags[key] = value }
        }
        return tags
    }
}
