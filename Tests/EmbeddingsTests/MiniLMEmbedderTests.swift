import Embeddings
import Foundation
import Testing

/// The model is loaded once for the suite: reading and checking 90 MB of weights per test
/// would dominate the run.
@Suite struct MiniLMEmbedderTests {
    static let embedder = Result { try MiniLMEmbedder(directory: locatedModel()) }

    @Test func matchesTheReferenceEmbeddingOfEveryText() throws {
        let embedder = try Self.embedder.get()
        let fixture = try ReferenceFixture.load()
        let embeddings = embedder.embed(fixture.texts.map(\.text))
        #expect(embeddings.rows == fixture.texts.count && embeddings.columns == ReferenceFixture.dimension)
        let cosines = fixture.texts.indices.map { cosine(embeddings.row($0), fixture.embedding($0)) }
        let worst = cosines.indices.min { cosines[$0] < cosines[$1] }!
        #expect(cosines[worst] >= 0.9999, "text \(fixture.texts[worst].id) has cosine \(cosines[worst]) to its reference")
    }

    @Test func reproducesThePublishedQuickStartSimilarities() throws {
        // sentence-transformers' documentation lists these similarities for this model.
        let e = try Self.embedder.get().embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        #expect(abs(cosine(e.row(0), e.row(1)) - 0.6660) < 0.00005)
        #expect(abs(cosine(e.row(0), e.row(2)) - 0.1046) < 0.00005)
        #expect(abs(cosine(e.row(1), e.row(2)) - 0.1411) < 0.00005)
    }

    @Test func everyRowHasUnitLength() throws {
        let e = try Self.embedder.get().embed(["", "hello", String(repeating: "long text ", count: 400)])
        for row in 0..<e.rows {
            let norm = e.row(row).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func aTextEmbedsTheSameAloneAndBatchedWithLongerTexts() throws {
        let embedder = try Self.embedder.get()
        let alone = embedder.embed(["Is the sky blue?"])
        let batched = embedder.embed([String(repeating: "The quick brown fox jumps. ", count: 40), "Is the sky blue?", "Hi"])
        let largest = zip(alone.row(0), batched.row(1)).map { abs($0 - $1) }.max()!
        #expect(largest < 1e-5)
    }

    @Test func hostileTextsAreEmbeddedNotCrashedOn() throws {
        let texts = ["", "\u{0}\u{1}\u{7F}\u{FFFD}", String(repeating: "x", count: 1 << 20),
                     String(repeating: "🙂", count: 5_000), "\u{202E}reversed\u{200B}", "a\u{301}\u{301}\u{301}"]
        let e = try Self.embedder.get().embed(texts)
        #expect(e.rows == texts.count)
        #expect(e.values.allSatisfy { $0.isFinite })
    }

    @Test func identityNamesTheModelAndItsWeights() throws {
        let identity = try Self.embedder.get().identity
        #expect(identity.name == "all-MiniLM-L6-v2")
        #expect(identity.version.contains("weights "))
    }
}
