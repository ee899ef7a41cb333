import Foundation
import Synchronization
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

@Suite struct MetricsRegistryTests {
    @Test func rendersCountersGaugesAndHistogramsInPrometheusFormat() {
        let registry = MetricsRegistry()
        registry.increment("routeledger_events_total", help: "Events read.", labels: ["stage": "route"], by: 3)
        registry.increment("routeledger_events_total", help: "Events read.", labels: ["stage": "route"])
        registry.set("routeledger_ratings_version", help: "Ratings version in use.", to: 7)
        for latency in [0.004, 0.02, 0.3] {
            registry.observe("routeledger_decision_seconds", help: "Decision latency.", bounds: [0.01, 0.1, 1], latency)
        }
        let text = registry.render()
        #expect(text.contains("# TYPE routeledger_events_total counter\nrouteledger_events_total{stage=\"route\"} 4\n"))
        #expect(text.contains("routeledger_ratings_version 7\n"))
        // Buckets are cumulative.
        #expect(text.contains("routeledger_decision_seconds_bucket{le=\"0.01\"} 1\n"))
        #expect(text.contains("routeledger_decision_seconds_bucket{le=\"0.1\"} 2\n"))
        #expect(text.contains("routeledger_decision_seconds_bucket{le=\"1\"} 3\n"))
        #expect(text.contains("routeledger_decision_seconds_bucket{le=\"+Inf\"} 3\n"))
        #expect(text.contains("routeledger_decision_seconds_count 3\n"))
    }

    @Test func escapesLabelValues() {
        let registry = MetricsRegistry()
        registry.increment("dead_letters_total", help: "Rejected.", labels: ["reason": "a\"b\\c\nd"])
        #expect(registry.render().contains(#"dead_letters_total{reason="a\"b\\c\nd"} 1"#))
    }
}

@Suite struct MetricsServerTests {
    /// One HTTP GET over a plain socket; returns the status line and the body.
    private func get(_ path: String, port: Int, method: String = "GET") throws -> (String, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, 0) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = text.components(separatedBy: "\r\n").first ?? ""
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }

    @Test func servesMetricsHealthAndReadiness() throws {
        let registry = MetricsRegistry()
        registry.increment("routeledger_events_total", help: "Events read.")
        let ready = Atomic(false)
        let server = try MetricsServer(host: "127.0.0.1", port: 0, registry: registry, isReady: { ready.load(ordering: .relaxed) })
        defer { server.stop() }
        let (status, body) = try get("/metrics", port: server.port)
        #expect(status == "HTTP/1.1 200 OK")
        #expect(body.contains("routeledger_events_total 1"))
        #expect(try get("/healthz", port: server.port).0 == "HTTP/1.1 200 OK")
        #expect(try get("/readyz", port: server.port).0 == "HTTP/1.1 503 Service Unavailable")
        ready.store(true, ordering: .relaxed)
        #expect(try get("/readyz", port: server.port).0 == "HTTP/1.1 200 OK")
        #expect(try get("/nope", port: server.port).0 == "HTTP/1.1 404 Not Found")
        #expect(try get("/metrics", port: server.port, method: "POST").0 == "HTTP/1.1 405 Method Not Allowed")
    }

    @Test func refusesAnAddressItCannotUse() {
        #expect(throws: MetricsServerError.self) {
            try MetricsServer(host: "not-an-ip", port: 0, registry: MetricsRegistry(), isReady: { true })
        }
    }
}
