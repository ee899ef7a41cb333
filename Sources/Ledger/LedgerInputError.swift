/// Why a decision or usage report cannot become part of the ledger as it is: a field the
/// ledger's columns cannot hold. The message names the field.
public struct LedgerInputError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    /// Token counts are PostgreSQL `integer`s in the ledger.
    public static let maximumTokens = Int64(Int32.max)

    static func checkText(_ value: String, _ field: String) throws(LedgerInputError) {
        guard !value.isEmpty else { throw LedgerInputError("'\(field)' must not be empty") }
        guard !value.utf8.contains(0) else {
            throw LedgerInputError("'\(field)' contains U+0000, which PostgreSQL text cannot hold")
        }
    }

    static func checkTokens(_ value: Int64, _ field: String) throws(LedgerInputError) {
        guard (0...maximumTokens).contains(value) else {
            throw LedgerInputError("'\(field)' must be between 0 and \(maximumTokens)")
        }
    }

    static func checkProbability(_ value: Double, _ field: String) throws(LedgerInputError) {
        guard value.isFinite, (0...1).contains(value) else {
            throw LedgerInputError("'\(field)' must be between 0 and 1")
        }
    }
}
