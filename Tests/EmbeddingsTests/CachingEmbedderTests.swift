import Embeddings
import Ranking
import Synchronization
import Testing

/// The prompt cache in front of an embedder: the same vectors as the embedder, each distinct
/// prompt embedded once while it is held, the least recently used forgotten first.
@Suite struct CachingEmbedderTests {
    /// Hashing vectors, and every text it was asked to embed.
    private final class RecordingEmbedder: Embedder {
        let inner = HashingEmbedder()
        let asked = Mutex<[String]>([])
        var identity: EmbedderIdentity { inner.identity }
        var dimension: Int { inner.dimension }
        func embed(_ texts: [String]) throws -> FloatMatrix {
            asked.withLock { $0 += texts }
            return inner.embed(texts)
        }
        func takeAsked() -> [String] {
            asked.withLock { asked in
                defer { asked = [] }
                return asked
            }
        }
    }

    @Test func aRepeatedPromptIsEmbeddedOnceAndGetsTheSameVector() throws {
        let recording = RecordingEmbedder()
        let cache = CachingEmbedder(recording, capacity: 10)
        let first = try cache.embed(["a retry", "a template", "a retry"])
        #expect(recording.takeAsked() == ["a retry", "a template"])
        #expect(first.values == (HashingEmbedder().embed(["a retry", "a template", "a retry"])).values)
        #expect(cache.takeCounts() == (hits: 1, misses: 2))

        let second = try cache.embed(["a template", "new"])
        #expect(recording.takeAsked() == ["new"])
        #expect(second.values == (HashingEmbedder().embed(["a template", "new"])).values)
        #expect(cache.takeCounts() == (hits: 1, misses: 1))
        #expect(cache.count == 3)
    }

    /// Capacity 2: after a, b, a again and c, b is the least recently used and is forgotten.
    @Test func theLeastRecentlyUsedPromptIsForgottenFirst() throws {
        let recording = RecordingEmbedder()
        let cache = CachingEmbedder(recording, capacity: 2)
        for texts in [["a"], ["b"], ["a"], ["c"]] { _ = try cache.embed(texts) }
        #expect(recording.takeAsked() == ["a", "b", "c"])
        _ = try cache.embed(["a", "c"])
        #expect(recording.takeAsked().isEmpty)
        _ = try cache.embed(["b"])
        #expect(recording.takeAsked() == ["b"])
        #expect(cache.count == 2)
    }
}
