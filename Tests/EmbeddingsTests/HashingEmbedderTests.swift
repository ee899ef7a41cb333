@testable import Embeddings
import Testing

@Suite struct HashingEmbedderTests {
    let embedder = HashingEmbedder()

    func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test func theHashIsFNV1aSoItIsTheSameInEveryProcess() {
        // Published FNV-1a 64-bit test vectors: the hash has no per-process seed.
        func fnv(_ text: String) -> UInt64 {
            var hash = StableHash()
            for byte in text.utf8 { hash.combine(byte) }
            return hash.state
        }
        #expect(fnv("") == 0xcbf2_9ce4_8422_2325)
        #expect(fnv("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(fnv("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func givesUnitVectorsOfTheChosenDimension() {
        let e = HashingEmbedder(dimension: 64).embed(["one text", "", "?!"])
        #expect(e.columns == 64 && e.rows == 3)
        for row in 0..<3 { #expect(abs(cosine(e.row(row), e.row(row)) - 1) < 1e-5) }
    }

    @Test func spreadsFeaturesOverManyDimensions() {
        // Fifty distinct words give hundreds of features; hashed uniformly into 384 dimensions
        // they must touch well over a hundred of them.
        let text = (0..<50).map { "word\($0)" }.joined(separator: " ")
        let e = embedder.embed([text])
        #expect(e.row(0).filter { $0 != 0 }.count > 100)
    }

    @Test func ignoresCaseAndPunctuationBetweenWords() {
        let e = embedder.embed(["Hello, World!", "hello world"])
        #expect(e.row(0) == e.row(1))
    }

    @Test func relatedPromptsAreCloserThanUnrelatedOnes() {
        let e = embedder.embed(["How do I bake sourdough bread at home?",
                                "tips for baking sourdough bread",
                                "What caused the stock market crash of 1929?"])
        #expect(cosine(e.row(0), e.row(1)) > cosine(e.row(0), e.row(2)) + 0.2)
    }

    @Test func wordOrderMattersThroughWordPairs() {
        let e = embedder.embed(["dog bites man", "man bites dog"])
        let similarity = cosine(e.row(0), e.row(1))
        #expect(similarity < 0.999 && similarity > 0.5)
    }

    @Test func textsWithoutWordsShareOneDirection() {
        let e = embedder.embed(["", "...", " \t\n"])
        #expect(e.row(0) == e.row(1) && e.row(1) == e.row(2))
    }

    @Test func hostileTextsGiveFiniteUnitVectors() {
        let e = embedder.embed([String(repeating: "x", count: 1 << 20), "\u{0}\u{7}\u{FFFD}", "東京タワー 🚀🤖", "e\u{301}"])
        #expect(e.values.allSatisfy { $0.isFinite })
        for row in 0..<e.rows { #expect(abs(cosine(e.row(row), e.row(row)) - 1) < 1e-5) }
    }
}
