import Foundation
import Synchronization
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

@Suite struct MetricsServerTests {
    private let events = Metric("test_events_total", .counter, "Events read.")

    @Test func servesMetricsHealthAndReadiness() throws {
        let registry = MetricsRegistry(declaring: [])
        registry.increment(events)
        let ready = Atomic(false)
        let server = try MetricsServer(host: "127.0.0.1", port: 0, registry: registry, readiness: {
            ready.load(ordering: .relaxed) ? .ready("holding t[0]") : .notReady("waiting for the group to assign partitions")
        })
        defer { server.stop() }
        let (status, body) = try httpGet("/metrics", port: server.port)
        #expect(status == "HTTP/1.1 200 OK")
        #expect(body.contains("test_events_total 1"))
        #expect(try httpGet("/healthz", port: server.port).status == "HTTP/1.1 200 OK")
        let waiting = try httpGet("/readyz", port: server.port)
        #expect(waiting.status == "HTTP/1.1 503 Service Unavailable")
        #expect(waiting.body == "waiting for the group to assign partitions\n")
        ready.store(true, ordering: .relaxed)
        #expect(try httpGet("/readyz", port: server.port) == ("HTTP/1.1 200 OK", "holding t[0]\n"))
        #expect(try httpGet("/nope", port: server.port).status == "HTTP/1.1 404 Not Found")
        #expect(try httpGet("/metrics", port: server.port, method: "POST").status == "HTTP/1.1 405 Method Not Allowed")
    }

    @Test func refusesAnAddressItCannotUse() {
        #expect(throws: MetricsServerError.self) {
            try MetricsServer(host: "not-an-ip", port: 0, registry: MetricsRegistry(), readiness: { .ready("test") })
        }
    }

    /// A client trickling its request a byte at a time, slower than any time-out per read,
    /// neither delays others nor holds its connection past the request time-out.
    @Test func aSlowClientDelaysNobodyAndIsClosedAtTheRequestTimeout() throws {
        let server = try MetricsServer(port: 0, registry: MetricsRegistry(declaring: []), requestTimeout: .seconds(2), readiness: { .ready("test") })
        defer { server.stop() }
        let slow = try connectToLoopback(port: server.port)
        defer { close(slow) }
        let opened = ContinuousClock.now
        let trickle = Thread { sendSlowly(Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8), to: slow, every: .milliseconds(700)) }
        trickle.start()
        defer { trickle.cancel() }

        for _ in 0..<3 {
            let asked = ContinuousClock.now
            #expect(try httpGet("/healthz", port: server.port).status == "HTTP/1.1 200 OK")
            #expect(ContinuousClock.now - asked < .milliseconds(500))
        }
        // The server closes the slow connection unanswered once its two seconds are up, though
        // a byte arrived less than a second before.
        let answer = readUntilClosed(slow)
        let held = ContinuousClock.now - opened
        #expect(answer.isEmpty)
        #expect(held >= .milliseconds(1_900) && held < .seconds(4), "closed after \(held)")
    }

    /// Connections beyond the cap are answered 503 at once; when the idle ones are gone, the
    /// endpoint answers as before.
    @Test func connectionsBeyondTheCapAreRefusedWithoutBreakingTheService() throws {
        let server = try MetricsServer(port: 0, registry: MetricsRegistry(declaring: []), maxConnections: 3,
                                       requestTimeout: .seconds(30), readiness: { .ready("test") })
        defer { server.stop() }
        let idle = try (0..<3).map { _ in try connectToLoopback(port: server.port) }
        // The server counts a connection once it has accepted it.
        Thread.sleep(forTimeInterval: 0.2)
        for _ in 0..<5 {
            let refused = try httpGet("/healthz", port: server.port)
            #expect(refused.status == "HTTP/1.1 503 Service Unavailable")
            #expect(refused.body == "too many connections\n")
        }
        idle.forEach { close($0) }
        let deadline = ContinuousClock.now + .seconds(2)
        var status = ""
        while ContinuousClock.now < deadline, status != "HTTP/1.1 200 OK" {
            status = try httpGet("/healthz", port: server.port).status
        }
        #expect(status == "HTTP/1.1 200 OK")
    }

    /// Without an address, the endpoint is reachable from this host only: the kernel's table of
    /// listening sockets shows it bound to 127.0.0.1, not to every interface.
    @Test func listensOnLoopbackByDefault() throws {
        let server = try MetricsServer(port: 0, registry: MetricsRegistry(declaring: []), readiness: { .ready("test") })
        defer { server.stop() }
        let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        let port = String(format: "%04X", server.port)
        var boundTo: [String] = []
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ").map(String.init)
            // Field 1 is the local address (hexadecimal IPv4:port), field 3 the state (0A: listening).
            if fields.count > 3, fields[3] == "0A", fields[1].hasSuffix(":\(port)") { boundTo.append(fields[1]) }
        }
        #expect(boundTo == ["0100007F:\(port)"])
    }
}

/// Sends `bytes` one at a time, `interval` apart, until done, the peer closes or the thread is cancelled.
private func sendSlowly(_ bytes: [UInt8], to fd: Int32, every interval: Duration) {
    for byte in bytes where !Thread.current.isCancelled {
        var one = byte
        guard send(fd, &one, 1, Int32(MSG_NOSIGNAL)) == 1 else { return }
        Thread.sleep(forTimeInterval: interval.seconds)
    }
}
