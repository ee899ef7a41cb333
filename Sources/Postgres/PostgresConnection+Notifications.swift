import CLibPQ
import Foundation

extension PostgresConnection {
    /// Starts listening on `channel`; after a reconnect the connection listens again.
    public func listen(_ channel: String) throws {
        try executeScript("LISTEN \(try Self.quoteIdentifier(channel))")
        if !channels.contains(channel) { channels.append(channel) }
    }

    public func unlisten(_ channel: String) throws {
        try executeScript("UNLISTEN \(try Self.quoteIdentifier(channel))")
        channels.removeAll { $0 == channel }
    }

    /// Sends `payload` to the listeners of `channel`, when the current transaction commits.
    public func notify(_ channel: String, payload: String = "") throws {
        try execute("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }

    /// The next notification for a channel this connection listens on, waiting up to
    /// `timeout`; nil if none came. Notifications that arrived during other statements are
    /// returned first.
    public func nextNotification(timeout: Duration) throws -> PostgresNotification? {
        let operation = "wait for a notification"
        let handle = try liveHandle(for: operation)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            guard PQconsumeInput(handle) == 1 else {
                throw PostgresError(operation: operation, message: Self.errorMessage(handle),
                                    connectionLost: PQstatus(handle) != CONNECTION_OK)
            }
            if let notification = PQnotifies(handle) {
                defer { PQfreemem(notification) }
                return PostgresNotification(channel: String(cString: notification.pointee.relname),
                                            payload: String(cString: notification.pointee.extra),
                                            senderProcessID: notification.pointee.be_pid)
            }
            let remaining = deadline - clock.now
            if remaining <= .zero { return nil }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(remaining.seconds * 1000, 60_000).rounded(.up))
            if poll(&descriptor, 1, milliseconds) < 0, errno != EINTR {
                throw PostgresError(operation: operation, message: "poll failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}
