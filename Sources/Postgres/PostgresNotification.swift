/// A message sent with `NOTIFY` (or `pg_notify`) to a channel this connection listens on.
public struct PostgresNotification: Hashable, Sendable {
    public let channel: String
    public let payload: String
    /// The server process of the session that sent it.
    public let senderProcessID: Int32
}
