import Foundation

/// A private PostgreSQL cluster for the demo, run by `ops/pg-cluster.sh` in a folder of its own
/// and reached through its Unix socket only (no TCP port to collide with), stopped at the end.
final class PrivateCluster {
    let directory: URL
    let url: String
    private let script: URL

    /// Starts a cluster in `directory` (created on first use; initdb takes a few seconds).
    init(directory: URL) throws {
        guard let script = Self.findScript() else {
            throw CommandFailure("ops/pg-cluster.sh not found beside this routeledger or under the current folder: "
                                 + "run the demo from the repository, or give --database URL")
        }
        self.script = script
        self.directory = directory
        _ = try Self.run(script, ["start", directory.path])
        url = try Self.run(script, ["url", directory.path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() {
        _ = try? Self.run(script, ["stop", directory.path])
    }

    /// The repository's script: above the executable (.build/<configuration>/routeledger), else
    /// above the current folder.
    private static func findScript() -> URL? {
        let starts = [Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(),
                      URL(fileURLWithPath: FileManager.default.currentDirectoryPath)].compactMap { $0 }
        for start in starts {
            var folder = start
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("ops/pg-cluster.sh")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                folder.deleteLastPathComponent()
            }
        }
        return nil
    }

    private static func run(_ script: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = script
        process.arguments = arguments
        // Socket only, on a port number of its own: it names the socket file in the folder.
        process.environment = ProcessInfo.processInfo.environment.merging(["ROUTELEDGER_PG_LISTEN": "", "ROUTELEDGER_PG_PORT": "54330"]) { _, new in new }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailure("ops/pg-cluster.sh \(arguments.joined(separator: " ")) failed: "
                                 + String(decoding: complaint, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: text, as: UTF8.self)
    }
}
