/// Why the ledger could not do what was asked: the database holds something this program
/// cannot use, or is not ready for it.
public struct LedgerError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
