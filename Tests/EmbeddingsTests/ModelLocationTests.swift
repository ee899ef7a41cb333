import Embeddings
import Foundation
import Testing

@Suite struct ModelLocationTests {
    /// A fake repository: Package.swift, a complete model folder, and an executable path under
    /// .build/release.
    func makeRepository() throws -> (root: URL, executable: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("model-location-\(UUID().uuidString)")
        let model = root.appendingPathComponent("models/all-MiniLM-L6-v2")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data().write(to: root.appendingPathComponent("Package.swift"))
        for file in ModelLocation.requiredFiles { try Data([1]).write(to: model.appendingPathComponent(file)) }
        let release = root.appendingPathComponent(".build/x86_64-unknown-linux-gnu/release")
        try FileManager.default.createDirectory(at: release, withIntermediateDirectories: true)
        return (root, release.appendingPathComponent("routeledger"))
    }

    @Test func findsTheModelsFolderOfTheRepositoryTheBinaryWasBuiltIn() throws {
        let (root, executable) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let found = try ModelLocation.locate(environment: [:], executable: executable)
        #expect(found.standardizedFileURL == root.appendingPathComponent("models/all-MiniLM-L6-v2").standardizedFileURL)
    }

    @Test func anExplicitDirectoryWinsAndIsTheOnlyOneLookedAt() throws {
        let (root, executable) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let elsewhere = root.appendingPathComponent("nowhere").path
        #expect(throws: ModelError.missing(searched: ["\(elsewhere) from --model-dir"])) {
            try ModelLocation.locate(explicit: elsewhere, environment: [:], executable: executable)
        }
        let viaEnvironment = [ModelLocation.environmentVariable: elsewhere]
        #expect(throws: ModelError.self) {
            try ModelLocation.locate(environment: viaEnvironment, executable: executable)
        }
    }

    @Test func aFolderMissingAFileIsReportedWithTheFix() throws {
        let (root, executable) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(at: root.appendingPathComponent("models/all-MiniLM-L6-v2/vocab.txt"))
        do {
            _ = try ModelLocation.locate(environment: [:], executable: executable)
            Issue.record("a model folder without vocab.txt was accepted")
        } catch {
            #expect(error.description.contains("no vocab.txt"))
            #expect(error.description.contains("ops/fetch-model.sh"))
        }
    }
}
