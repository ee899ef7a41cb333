import Embeddings
import Foundation
import Ranking
import Testing
@testable import BattleStore

@Suite struct MemoryDirectoryTests {
    private let identity = EmbedderIdentity(name: "test-vectors", version: "1")

    private func battle(_ prompt: String, _ a: String, _ b: String, _ winner: BattleOutcome, source: String = "unit") -> LabelledBattle {
        LabelledBattle(prompt: prompt, modelA: a, modelB: b, winner: winner, source: source, foughtAt: BattleTime.date("2024-01-02T03:04:05Z"))
    }

    @Test func appendedBattlesReadBackWithUnitEmbeddingsAfterReopening() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 2)
        let battles = [battle("first, with \"quotes\"\nand a line break", "strong", "weak", .modelA),
                       battle("second", "weak", "strong", .tie, source: "other")]
        try directory.append(battles, embeddings: [3, 4, 0, -2])
        let reopened = try MemoryDirectory.open(folder.url)
        let loaded = try reopened.load()
        #expect(loaded.battles == battles)
        #expect(loaded.battleEmbeddings() == [0.6, 0.8, 0, -1])
        #expect(reopened.manifest.battleCount == 2)
        #expect(reopened.manifest.models.map(\.name) == ["strong", "weak"])
        #expect(reopened.manifest.models.map(\.battles) == [2, 2])
        #expect(reopened.manifest.sources == ["unit": 1, "other": 1])
        #expect(reopened.manifest.embedder == identity)
    }

    /// A beats B in 3 of 4 battles. Counted RouteLLM's way (a win twice) that is 6 wins to 2, so
    /// the Bradley–Terry fit gives P(A beats B) = 3/4: a gap of 400·log10(3) ≈ 190.85 points.
    @Test func manifestRatingsAndTiersFollowTheBattles() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 1, tierCount: 2)
        let battles = [battle("p1", "A", "B", .modelA), battle("p2", "B", "A", .modelB),
                       battle("p3", "A", "B", .modelA), battle("p4", "A", "B", .modelB)]
        try directory.append(battles, embeddings: [1, 1, 1, 1])
        let models = directory.manifest.models
        #expect(abs((models[0].rating - models[1].rating) - 400 * log10(3)) < 1e-6)
        #expect(models.map(\.tier) == [0, 1])
        let pair = try #require(directory.manifest.outcomes.first { $0.modelA == "A" })
        #expect(pair.modelAWins == 2 && pair.modelBWins == 1)
        let routing = try directory.routingMemory()
        #expect(try routing.tier(of: "A") == 0 && routing.tier(of: "B") == 1)
        #expect(abs(routing.globalRatings[0] - models[0].rating) < 1e-9)
    }

    @Test func aMemoryRefusesAnotherEmbedderOrDimension() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 2)
        try directory.append([battle("p", "A", "B", .tie)], embeddings: [1, 0])
        #expect(throws: StoreError.self) {
            try MemoryDirectory.openOrCreate(folder.url, embedder: EmbedderIdentity(name: "test-vectors", version: "2"), dimension: 2)
        }
        #expect(throws: StoreError.self) { try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 3) }
        #expect(try MemoryDirectory.open(folder.url).manifest.battleCount == 1)
    }

    /// What a crash can leave: data files longer than the manifest says (a half-written line, a
    /// partial row) and a temporary manifest never renamed. The memory reads as before, and the
    /// next append cuts the leftovers off.
    @Test func leftoversOfAnInterruptedAppendAreInvisibleAndCutOff() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 2)
        try directory.append([battle("kept", "A", "B", .modelA)], embeddings: [1, 0])
        let battlesFile = try FileHandle(forWritingTo: folder.path("battles.jsonl"))
        try battlesFile.seekToEnd()
        try battlesFile.write(contentsOf: Data(#"{"prompt":"half-writ"#.utf8))
        try battlesFile.close()
        let rowsFile = try FileHandle(forWritingTo: folder.path("embeddings.f32"))
        try rowsFile.seekToEnd()
        try rowsFile.write(contentsOf: Data([1, 2, 3, 4, 5, 6]))
        try rowsFile.close()
        _ = try folder.file(".manifest.json.tmp", "{\"truncated")

        var reopened = try MemoryDirectory.open(folder.url)
        #expect(try reopened.load().battles.map(\.prompt) == ["kept"])
        try reopened.append([battle("next", "B", "A", .modelB)], embeddings: [0, 1])
        let text = try String(contentsOf: folder.path("battles.jsonl"), encoding: .utf8)
        #expect(!text.contains("half-writ"))
        let loaded = try MemoryDirectory.open(folder.url).load()
        #expect(loaded.battles.map(\.prompt) == ["kept", "next"])
        #expect(loaded.battleEmbeddings() == [1, 0, 0, 1])
        #expect(try Data(contentsOf: folder.path("embeddings.f32")).count == 4 * 4)
    }

    @Test func aBadBattleRejectsTheWholeAppend() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 2)
        try directory.append([battle("ok", "A", "B", .modelA)], embeddings: [1, 0])
        #expect(throws: StoreError.self) {
            try directory.append([battle("fine", "A", "B", .tie), battle("zero", "A", "B", .tie)], embeddings: [1, 1, 0, 0])
        }
        #expect(throws: StoreError.self) {
            try directory.append([battle("fine", "A", "A", .tie)], embeddings: [1, 1])
        }
        #expect(try MemoryDirectory.open(folder.url).load().battles.map(\.prompt) == ["ok"])
    }

    @Test func concurrentAppendsAllLand() async throws {
        let folder = try TemporaryDirectory()
        let url = folder.url
        _ = try MemoryDirectory.openOrCreate(url, embedder: identity, dimension: 2)
        let identity = identity
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var directory = try MemoryDirectory.openOrCreate(url, embedder: identity, dimension: 2)
                    for round in 0..<5 {
                        let battle = LabelledBattle(prompt: "w\(writer) r\(round)", modelA: "A", modelB: "B", winner: .tie,
                                                  source: "w\(writer)", foughtAt: BattleTime.date("2024-01-01T00:00:00Z"))
                        try directory.append([battle], embeddings: [1, Float(writer)])
                    }
                }
            }
            try await group.waitForAll()
        }
        let reopened = try MemoryDirectory.open(url)
        #expect(reopened.manifest.battleCount == 20)
        #expect(Set(try reopened.load().battles.map(\.prompt)).count == 20)
        #expect(reopened.manifest.sources.values.allSatisfy { $0 == 5 })
    }

    @Test func aTruncatedDataFileIsReportedAsDamage() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 2)
        try directory.append([battle("p", "A", "B", .modelA)], embeddings: [1, 0])
        try Data([0, 0]).write(to: folder.path("embeddings.f32"))
        #expect(throws: StoreError.self) { try MemoryDirectory.open(folder.url).load() }
        #expect(throws: StoreError.notAMemory(folder.path("absent").path)) { try MemoryDirectory.open(folder.path("absent")) }
    }

    /// 1,700,000,000 seconds after 1970 is 2023-11-14 22:13:20 UTC.
    @Test func battleTimesRoundTripThroughISO8601() {
        #expect(BattleTime.string(Date(timeIntervalSince1970: 1_700_000_000)) == "2023-11-14T22:13:20Z")
        #expect(BattleTime.date("2023-11-14T22:13:20Z")?.timeIntervalSince1970 == 1_700_000_000)
        #expect(BattleTime.date("yesterday") == nil)
    }

    @Test func aDirectoryWithOtherFilesIsNotTurnedIntoAMemory() throws {
        let folder = try TemporaryDirectory()
        _ = try folder.file("notes.txt", "mine")
        #expect(throws: StoreError.occupied(directory: folder.url.path, example: "notes.txt")) {
            try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 2)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("manifest.json").path))
    }

    @Test func thePromptCacheKeepsEmbeddingsAcrossOpenings() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: identity, dimension: 2)
        try directory.addToPromptCache(["one", "two \"quoted\"\n"], embeddings: [1, 0, 0, 1])
        try directory.addToPromptCache(["three"], embeddings: [0.5, 0.5])
        let cache = try MemoryDirectory.open(folder.url).loadPromptCache()
        #expect(cache == ["one": [1, 0], "two \"quoted\"\n": [0, 1], "three": [0.5, 0.5]])
    }
}
