import Foundation
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// Everything the peer sends until it closes the connection (or an error ends the reading).
func readUntilClosed(_ fd: Int32) -> [UInt8] {
    var received = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { return received }
        received += buffer[0..<count]
    }
}

/// A socket connected to `port` on the loopback address; the caller closes it.
func connectToLoopback(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        throw SocketFailure(operation: "connect to 127.0.0.1:\(port)", code: errno)
    }
    return fd
}

struct SocketFailure: Error {
    let operation: String
    let code: Int32
}

/// One HTTP request over a plain socket, as Prometheus makes it; returns the status line and body.
func httpGet(_ path: String, port: Int, method: String = "GET") throws -> (status: String, body: String) {
    let fd = try connectToLoopback(port: port)
    defer { close(fd) }
    let request = Array("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
    _ = request.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, 0) }
    let text = String(decoding: readUntilClosed(fd), as: UTF8.self)
    let status = text.components(separatedBy: "\r\n").first ?? ""
    let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    return (status, body)
}

/// A scraped `/metrics` page, read the way Prometheus reads the text format: each sample line
/// is a series name, its labels and its value as written.
struct ScrapedMetrics {
    struct Sample: Equatable {
        let name: String
        let labels: [String: String]
        let value: String
    }

    let samples: [Sample]
    /// Names declared by `# TYPE` lines, with their types.
    let types: [String: String]

    init(_ text: String) throws {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 4, "bad TYPE line: \(line)")
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try Self.sample(String(line)))
        }
        self.samples = samples
        self.types = types
    }

    private static func sample(_ line: String) throws -> Sample {
        guard let space = line.lastIndex(of: " ") else { throw ScrapeError.malformed(line) }
        let series = line[..<space]
        let value = String(line[line.index(after: space)...])
        guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
        guard series.last == "}" else { throw ScrapeError.malformed(line) }
        var labels: [String: String] = [:]
        var rest = series[series.index(after: brace)..<series.index(before: series.endIndex)]
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)] == "\"" else { throw ScrapeError.malformed(line) }
            let key = String(rest[..<equals])
            var value = ""
            var index = rest.index(equals, offsetBy: 2)
            while rest[index] != "\"" {
                if rest[index] == "\\" {
                    index = rest.index(after: index)
                    value.append(rest[index] == "n" ? "\n" : rest[index])
                } else {
                    value.append(rest[index])
                }
                index = rest.index(after: index)
            }
            labels[key] = value
            rest = rest[rest.index(after: index)...]
            if rest.first == "," { rest = rest.dropFirst() }
        }
        return Sample(name: String(series[..<brace]), labels: labels, value: value)
    }

    enum ScrapeError: Error { case malformed(String) }

    /// The value of the one sample with this name and exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> String? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func number(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        value(name, labels).flatMap(Double.init)
    }

    /// Every sample with this name whose labels include `labels`.
    func all(_ name: String, including labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }
}
