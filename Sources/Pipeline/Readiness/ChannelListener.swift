import Postgres
import Synchronization

/// A follower's connection listening on a PostgreSQL channel, and whether one currently is: a
/// follower of the database is ready only while it listens, since an announcement made while
/// nobody listens is lost.
final class ChannelListener: Sendable {
    let channel: String
    private let database: PostgresSettings
    private let listening = Atomic(false)

    init(channel: String, database: PostgresSettings) {
        self.channel = channel
        self.database = database
    }

    var isListening: Bool { listening.load(ordering: .acquiring) }

    /// Connects, listens on the channel and runs `body` with the connection, listening until it
    /// returns or throws.
    func whileListening(_ body: (PostgresConnection) throws -> Void) throws {
        let connection = try PostgresConnection(database)
        try connection.listen(channel)
        listening.store(true, ordering: .releasing)
        defer { listening.store(false, ordering: .releasing) }
        try body(connection)
    }
}
