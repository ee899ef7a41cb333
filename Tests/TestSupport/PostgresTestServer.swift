import Foundation

/// The PostgreSQL server the tests run against, as a connection URL for a superuser (tests
/// create databases and roles).
///
/// `$ROUTELEDGER_TEST_DATABASE_URL` when set (ops/test.sh sets it); otherwise the private
/// cluster of `ops/pg-cluster.sh`, started here if it is not running. A test that cannot get
/// a server fails with the reason; it is never skipped.
public enum PostgresTestServer {
    public static func url() throws -> String {
        switch resolved {
        case .success(let url): return url
        case .failure(let failure): throw failure
        }
    }

    /// Runs `ops/pg-cluster.sh` with `arguments` and extra environment; returns its output.
    public static func runClusterScript(_ arguments: [String], environment: [String: String] = [:],
                                        file: StaticString = #filePath) throws -> String {
        let packageRoot = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let script = packageRoot.appendingPathComponent("ops/pg-cluster.sh")
        let process = Process()
        process.executableURL = script
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Unavailable(reason: "cannot run \(script.path): \(error)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Unavailable(reason: "ops/pg-cluster.sh \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(complaint)")
        }
        return text
    }

    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { "no PostgreSQL server for the tests: \(reason)" }
    }

    private static let resolved: Result<String, Unavailable> = {
        if let url = ProcessInfo.processInfo.environment["ROUTELEDGER_TEST_DATABASE_URL"], !url.isEmpty {
            return .success(url)
        }
        do {
            _ = try runClusterScript(["start"])
            let url = try runClusterScript(["url"]).trimmingCharacters(in: .whitespacesAndNewlines)
            return .success(url)
        } catch let failure as Unavailable {
            return .failure(Unavailable(reason: failure.reason + " (or set ROUTELEDGER_TEST_DATABASE_URL)"))
        } catch {
            return .failure(Unavailable(reason: "\(error)"))
        }
    }()
}
