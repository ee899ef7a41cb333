import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server for operations: `GET /metrics` (Prometheus text format),
/// `GET /healthz` (the process is alive) and `GET /readyz` (200 once the stages are consuming,
/// 503 before). One thread accepts and answers; every response closes its connection.
public final class MetricsServer: Sendable {
    public let port: Int
    private let socket: Int32
    private let registry: MetricsRegistry
    private let isReady: @Sendable () -> Bool
    private let stopped = Atomic(false)

    /// Listens on `host:port` (port 0 picks a free one, see `port`).
    public init(host: String = "0.0.0.0", port: Int, registry: MetricsRegistry,
                isReady: @escaping @Sendable () -> Bool) throws(MetricsServerError) {
        self.registry = registry
        self.isReady = isReady
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw .badAddress(host)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw .system("bind \(host):\(port)", code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        socket = fd
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops accepting; the listening socket is closed.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    deinit { stop() }

    private func acceptLoop() {
        while !stopped.load(ordering: .acquiring) {
            let client = accept(socket, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            answer(client)
            close(client)
        }
    }

    private func answer(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        // Only the request line matters; read until the end of the headers or 16 KiB.
        while request.count < 16_384 {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            request += buffer[0..<count]
            if request.count >= 4, request.suffix(4).elementsEqual("\r\n\r\n".utf8) { break }
        }
        let line = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let (status, contentType, body) = response(method: parts.first.map(String.init) ?? "",
                                                   path: parts.count > 1 ? String(parts[1]) : "")
        let bytes = Array(body.utf8)
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
        let payload = Array(head.utf8) + bytes
        var sent = 0
        while sent < payload.count {
            let count = payload[sent...].withUnsafeBufferPointer { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }

    func response(method: String, path: String) -> (status: String, contentType: String, body: String) {
        guard method == "GET" || method == "HEAD" else { return ("405 Method Not Allowed", "text/plain", "only GET\n") }
        switch path.split(separator: "?").first.map(String.init) ?? path {
        case "/metrics": return ("200 OK", "text/plain; version=0.0.4; charset=utf-8", registry.render())
        case "/healthz": return ("200 OK", "text/plain", "ok\n")
        case "/readyz": return isReady() ? ("200 OK", "text/plain", "ready\n") : ("503 Service Unavailable", "text/plain", "not ready\n")
        default: return ("404 Not Found", "text/plain", "not found\n")
        }
    }
}

public enum MetricsServerError: Error, CustomStringConvertible {
    case system(String, Int32)
    case badAddress(String)

    public var description: String {
        switch self {
        case .system(let operation, let code): "\(operation) failed: \(String(cString: strerror(code)))"
        case .badAddress(let host): "'\(host)' is not an IPv4 address"
        }
    }
}
