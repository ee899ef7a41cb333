import Postgres

/// The transaction-scoped advisory lock under which battles are added and ratings refit, so
/// learn stages and imports take turns: every Elo step and refit sees the battles in order.
enum LearningLock {
    /// Any constant will do, as long as every writer uses the same one ("rtlglear").
    private static let key: Int64 = 0x7274_6c67_6c65_6172

    /// Waits for the lock; it is released when the current transaction ends.
    static func take(on connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_advisory_xact_lock($1)", [.bigint(key)])
    }
}
