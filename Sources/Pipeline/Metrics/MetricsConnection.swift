#if canImport(Glibc)
import Glibc
#endif

/// One accepted client of the ``MetricsServer``: its request must arrive, and its response be
/// taken, before `deadline`, so a client that trickles bytes (slow-loris) or never reads holds
/// its thread no longer than that. Every answer closes the connection.
struct MetricsConnection: Sendable {
    let socket: Int32
    let deadline: ContinuousClock.Instant

    /// Only the request line matters; headers are read (to their end or 16 KiB) and dropped.
    /// Nil when the client closed, sent too much or was too slow.
    func readRequestLine() -> (method: String, path: String)? {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while request.count < 16_384, !request.suffix(4).elementsEqual("\r\n\r\n".utf8) {
            guard waitUntilReadable() else { return nil }
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            request += buffer[0..<count]
        }
        let line = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        return (parts.first.map(String.init) ?? "", parts.count > 1 ? String(parts[1]) : "")
    }

    /// Sends the response within what is left of the deadline, then closes.
    func answer(status: String, contentType: String, body: String) {
        // A zero time-out would mean none at all.
        var remaining = timeval(milliseconds: max(1, millisecondsLeft()))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &remaining, socklen_t(MemoryLayout<timeval>.size))
        let payload = Self.response(status: status, contentType: contentType, body: body)
        var sent = 0
        while sent < payload.count, millisecondsLeft() > 0 {
            let count = payload[sent...].withUnsafeBufferPointer { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { break }
            sent += count
        }
        close()
    }

    /// Answers without reading or waiting (the send fails rather than blocks), then closes.
    func refuse(status: String, body: String) {
        let payload = Self.response(status: status, contentType: "text/plain", body: body)
        _ = payload.withUnsafeBufferPointer { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close()
    }

    func close() {
        _ = Glibc.close(socket)
    }

    private static func response(status: String, contentType: String, body: String) -> [UInt8] {
        let bytes = Array(body.utf8)
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + bytes
    }

    private func waitUntilReadable() -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        while true {
            let left = millisecondsLeft()
            guard left > 0 else { return false }
            let ready = poll(&descriptor, 1, Int32(clamping: left))
            if ready < 0, errno == EINTR { continue }
            return ready > 0
        }
    }

    private func millisecondsLeft() -> Int {
        max(0, Int((deadline - .now) / .milliseconds(1)))
    }
}

private extension timeval {
    init(milliseconds: Int) {
        self.init(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
    }
}
