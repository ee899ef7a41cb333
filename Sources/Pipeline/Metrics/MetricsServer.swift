import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server for operations: `GET /metrics` (Prometheus text format),
/// `GET /healthz` (the process is alive) and `GET /readyz` (200 while every stage is ready,
/// 503 otherwise, the body saying why either way). One thread accepts; each connection is answered on a thread of its own, so a
/// slow client delays nobody else, and every response closes its connection.
public final class MetricsServer: Sendable {
    /// Connections answered at once at most: each holds a thread for up to `requestTimeout`.
    public static let defaultMaxConnections = 16
    /// A whole request must arrive within this, or the connection is closed unanswered.
    public static let defaultRequestTimeout: Duration = .seconds(5)
    /// Only this host can reach the endpoint unless another address is given.
    public static let defaultHost = "127.0.0.1"

    public let port: Int
    private let socket: Int32
    private let registry: MetricsRegistry
    private let readiness: @Sendable () -> Readiness
    private let maxConnections: Int
    private let requestTimeout: Duration
    private let openConnections = Atomic(0)
    private let stopped = Atomic(false)

    /// Listens on `host:port` (port 0 picks a free one, see `port`).
    public init(host: String = MetricsServer.defaultHost, port: Int, registry: MetricsRegistry,
                maxConnections: Int = MetricsServer.defaultMaxConnections, requestTimeout: Duration = MetricsServer.defaultRequestTimeout,
                readiness: @escaping @Sendable () -> Readiness) throws(MetricsServerError) {
        self.registry = registry
        self.readiness = readiness
        self.maxConnections = maxConnections
        self.requestTimeout = requestTimeout
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

    /// Stops accepting; the listening socket is closed. Connections being answered finish
    /// within `requestTimeout`.
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
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let connection = MetricsConnection(socket: client, deadline: .now + requestTimeout)
            // Only this thread adds, so the count never passes the cap.
            guard openConnections.load(ordering: .acquiring) < maxConnections else {
                connection.refuse(status: "503 Service Unavailable", body: "too many connections\n")
                continue
            }
            openConnections.add(1, ordering: .acquiringAndReleasing)
            Thread.detachNewThread { [self] in
                defer { openConnections.subtract(1, ordering: .acquiringAndReleasing) }
                guard let (method, path) = connection.readRequestLine() else { return connection.close() }
                let (status, contentType, body) = response(method: method, path: path)
                connection.answer(status: status, contentType: contentType, body: body)
            }
        }
    }

    func response(method: String, path: String) -> (status: String, contentType: String, body: String) {
        guard method == "GET" || method == "HEAD" else { return ("405 Method Not Allowed", "text/plain", "only GET\n") }
        switch path.split(separator: "?").first.map(String.init) ?? path {
        case "/metrics": return ("200 OK", "text/plain; version=0.0.4; charset=utf-8", registry.render())
        case "/healthz": return ("200 OK", "text/plain", "ok\n")
        case "/readyz":
            let answer = readiness()
            return (answer.isReady ? "200 OK" : "503 Service Unavailable", "text/plain", answer.explanation + "\n")
        default: return ("404 Not Found", "text/plain", "not found\n")
        }
    }
}
