import Foundation

/// Locates the shared data and reference fixtures (`shared/` beside the repository), which tests
/// and benchmarks read but the repository does not carry.
///
/// Looked for, in order: `$ROUTELEDGER_SHARED_DIR`, `../shared` next to the package root, and
/// `/work/shared`. A test that needs them fails with this message rather than passing silently.
public enum SharedFixtures {
    public static func directory(file: StaticString = #filePath) throws -> URL {
        var candidates: [URL] = []
        if let configured = ProcessInfo.processInfo.environment["ROUTELEDGER_SHARED_DIR"] {
            candidates.append(URL(fileURLWithPath: configured))
        }
        // file is <root>/Tests/<Target>/<File>.swift
        let packageRoot = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared"))
        candidates.append(URL(fileURLWithPath: "/work/shared"))
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("reference").path) {
            return candidate
        }
        throw MissingFixtures(searched: candidates.map(\.path))
    }

    /// `shared/<relativePath>`.
    public static func url(_ relativePath: String, file: StaticString = #filePath) throws -> URL {
        try directory(file: file).appendingPathComponent(relativePath)
    }

    public struct MissingFixtures: Error, CustomStringConvertible {
        public let searched: [String]
        public var description: String {
            "shared fixtures not found (looked in \(searched.joined(separator: ", "))); set ROUTELEDGER_SHARED_DIR"
        }
    }
}
