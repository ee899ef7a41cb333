@testable import Embeddings
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

    /// Given as the model folder, a regular file is said to be no folder, not a missing model.
    @Test func aFileWhereTheFolderShouldBeIsReportedAsNoFolder() throws {
        let (root, executable) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("Package.swift").path
        do {
            _ = try ModelLocation.locate(explicit: file, environment: [:], executable: executable)
            Issue.record("a regular file was accepted as the model folder")
        } catch {
            #expect(error == .notADirectory(path: file))
            #expect(!error.description.contains("not found") && !error.description.contains("damaged"))
        }
    }

    /// A required file in the folder's place of a folder (`vocab.txt/model.safetensors`) gives
    /// the system's ENOTDIR: reported as that, not as a missing model.
    @Test func aPathThroughAFileIsUnreadableNotMissing() throws {
        let (root, _) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let vocabulary = root.appendingPathComponent("models/all-MiniLM-L6-v2/vocab.txt")
        let error = ModelFileAccess.problem(in: vocabulary.appendingPathComponent("inner"), origin: "--model-dir")
        #expect(error == .unreadable(file: vocabulary.appendingPathComponent("inner").path, reason: "Not a directory"))
    }

    /// Permission checks do not apply to root, which runs these tests, so the refusal a user
    /// gets from the system is given here: permission denied names the path and says fetching
    /// would not help; a missing path says how to fetch.
    @Test func permissionDeniedIsToldApartFromMissing() {
        let denied = ModelFileAccess.problem(at: "/srv/model/vocab.txt", error: EACCES, origin: "--model-dir")
        #expect(denied == .permissionDenied(path: "/srv/model/vocab.txt"))
        #expect(denied.description.contains("permission denied reading /srv/model/vocab.txt"))
        #expect(!denied.description.contains("not found") && !denied.description.contains("damaged"))
        let missing = ModelFileAccess.problem(at: "/srv/model", error: ENOENT, origin: "--model-dir")
        #expect(missing.description.contains("not found") && missing.description.contains("ops/fetch-model.sh"))
    }
}
