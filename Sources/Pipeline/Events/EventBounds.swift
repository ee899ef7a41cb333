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
}
