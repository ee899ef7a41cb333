import Postgres

/// The transaction lock every ledger writer holds while it writes: writers take turns, so a
/// usage report and its decision read by two instances at once cannot both miss each other,
/// and an instance that lost its partitions cannot record a record twice.
enum LedgerLock {
    /// Any constant will do, as long as every writer uses the same one ("rtlgledg").
    private static let key: Int64 = 0x7274_6c67_6c65_6467

    /// Waits for the lock; it is released when the current transaction ends.
    static func acquire(on connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_advisory_xact_lock($1)", [.bigint(key)])
    }
}
