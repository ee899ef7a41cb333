import Embeddings
import Foundation
import Ranking
import Testing
@testable import BattleStore

/// Delegates to a real embedder and remembers every text it was asked to embed.
private final class CountingEmbedder: Embedder, @unchecked Sendable {
    let inner: any Embedder
    private let lock = NSLock()
    private var texts: [String] = []

    init(_ inner: any Embedder) {
        self.inner = inner
    }

    var identity: EmbedderIdentity { inner.identity }
    var dimension: Int { inner.dimension }

    var embedded: [String] {
        lock.withLock { texts }
    }

    func embed(_ texts: [String]) throws -> FloatMatrix {
        lock.withLock { self.texts += texts }
        return try inner.embed(texts)
    }
}

@Suite struct BattleImportTests {
    private func battles(_ prompts: [String]) -> ImportedBattles {
        var imported = ImportedBattles()
        for (index, prompt) in prompts.enumerated() {
            imported.keep(LabelledBattle(prompt: prompt, modelA: "a", modelB: "b", winner: index.isMultiple(of: 2) ? .modelA : .tie,
                                       source: "test", foughtAt: BattleTime.date("t")))
        }
        return imported
    }

    @Test func eachDistinctPromptIsEmbeddedOnceAcrossImportsAndEvaluations() throws {
        let folder = try TemporaryDirectory()
        let embedder = CountingEmbedder(try MiniLMEmbedder())
        let first = try BattleImport.append(battles(["alpha prompt", "beta prompt", "alpha prompt"]), to: folder.url,
                                            embedder: embedder, tierCount: nil, batchSize: 1)
        #expect(embedder.embedded == ["alpha prompt", "beta prompt"])
        #expect(first.manifest.battleCount == 3)
        #expect(first.manifest.embedder == embedder.identity)

        _ = try BattleImport.append(battles(["beta prompt", "gamma prompt"]), to: folder.url, embedder: embedder, tierCount: nil)
        #expect(embedder.embedded == ["alpha prompt", "beta prompt", "gamma prompt"])

        // An evaluation prompt is embedded once, kept in the cache, and found there next time.
        let directory = try MemoryDirectory.open(folder.url)
        var lookups = try PromptEmbeddings(directory: directory, embedder: embedder, battles: try directory.load())
        let matrix = try lookups.embeddings(for: ["delta prompt", "alpha prompt"], cacheNew: true)
        var again = try PromptEmbeddings(directory: try MemoryDirectory.open(folder.url), embedder: embedder, battles: nil)
        #expect(try again.embeddings(for: ["delta prompt"], cacheNew: true).values == Array(matrix.row(0)))
        #expect(embedder.embedded == ["alpha prompt", "beta prompt", "gamma prompt", "delta prompt"])

        // The stored vectors are the embedder's own.
        let loaded = try MemoryDirectory.open(folder.url).load()
        let direct = try embedder.inner.embed(["gamma prompt"])
        let stored = loaded.embedding(loaded.battles.firstIndex { $0.prompt == "gamma prompt" }!)
        #expect(zip(stored, direct.values).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func aMemoryOfAnotherEmbedderIsRefusedBeforeEmbedding() throws {
        let folder = try TemporaryDirectory()
        var directory = try MemoryDirectory.openOrCreate(folder.url, embedder: EmbedderIdentity(name: "other", version: "1"), dimension: 384)
        try directory.append([LabelledBattle(prompt: "p", modelA: "a", modelB: "b", winner: .tie, source: "s", foughtAt: BattleTime.date("t"))],
                             embeddings: [Float](repeating: 1, count: 384))
        let embedder = CountingEmbedder(try MiniLMEmbedder())
        #expect(throws: StoreError.self) {
            try BattleImport.append(battles(["new prompt"]), to: folder.url, embedder: embedder, tierCount: nil)
        }
        #expect(embedder.embedded.isEmpty)
        #expect(try MemoryDirectory.open(folder.url).manifest.battleCount == 1)
    }
}
