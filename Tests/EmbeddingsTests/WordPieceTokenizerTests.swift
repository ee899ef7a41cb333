import Embeddings
import Foundation
import Testing

@Suite struct WordPieceTokenizerTests {
    /// A vocabulary small enough to reason about by hand: ids are line numbers.
    static let pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "a", "##ff",
                         "cafe", ",", "!", "$", "東", "京", "ab", "##c", "hello", "world", "한", "ᄒ", "##ᅡ", "##ᆫ", "##a"]

    func tokenizer(maximumLength: Int = 256) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: WordPieceVocabulary(pieces: Self.pieces), maximumLength: maximumLength)
    }

    @Test func matchesTheLongestPieceFirstAndMarksContinuations() throws {
        // "unaffable": "un" then the longest continuation "##aff", then "##able".
        #expect(try tokenizer().tokenize("unaffable") == [2, 4, 5, 6, 3])
    }

    @Test func aWordWithAnUnmatchablePartIsOneUnknown() throws {
        // "unx": "un" matches but nothing continues with "x", so the whole word is [UNK].
        #expect(try tokenizer().tokenize("hello unx world") == [2, 17, 1, 18, 3])
    }

    @Test func lowerCasesStripsAccentsAndSplitsPunctuation() throws {
        // "Café," → "cafe" "," ; "$" is ASCII punctuation though Unicode calls it a symbol.
        #expect(try tokenizer().tokenize("Café,$HELLO!") == [2, 9, 10, 12, 17, 11, 3])
    }

    @Test func isolatesCJKIdeographs() throws {
        #expect(try tokenizer().tokenize("東京") == [2, 13, 14, 3])
    }

    @Test func comparesPiecesByBytesNotByCanonicalEquivalence() throws {
        // NFD turns the syllable 한 into three jamo; the precomposed piece must not match them.
        #expect(try tokenizer().tokenize("한") == [2, 20, 21, 22, 3])
    }

    @Test func removesControlCharactersWithoutSplittingAndTreatsTabsAsSpaces() throws {
        // U+0007 and U+200B (a format character) vanish inside the word; tab and newline split.
        #expect(try tokenizer().tokenize("ab\u{7}c\thel\u{200B}lo\nworld") == [2, 15, 16, 17, 18, 3])
    }

    @Test func emptyAndWhitespaceOnlyTextsAreJustTheMarkers() throws {
        #expect(try tokenizer().tokenize("") == [2, 3])
        #expect(try tokenizer().tokenize(" \t\r\n") == [2, 3])
    }

    @Test func aWordOfMoreThanOneHundredCharactersIsUnknown() throws {
        let limit = WordPieceTokenizer.maximumCharactersPerWord
        #expect(try tokenizer().tokenize(String(repeating: "a", count: limit + 1)) == [2, 1, 3])
        // At the limit the word is still split: "a" then 99 × "##a".
        let atLimit = try tokenizer().tokenize(String(repeating: "a", count: limit))
        #expect(atLimit == [2, 7] + Array(repeating: 23, count: limit - 1) + [3])
    }

    @Test func noBreakSpaceSplitsButVerticalTabVanishes() throws {
        // U+00A0 is white space; U+000B is a control character, removed before splitting.
        #expect(try tokenizer().tokenize("hello\u{A0}world") == [2, 17, 18, 3])
        #expect(try tokenizer().tokenize("ab\u{B}c") == [2, 15, 16, 3])
    }

    @Test func truncatesToTheMaximumLengthKeepingTheMarkers() throws {
        let ids = try tokenizer(maximumLength: 5).tokenize("hello world hello world")
        #expect(ids == [2, 17, 18, 17, 3])
    }

    @Test func aMegabytePromptIsTruncatedQuickly() throws {
        let text = String(repeating: "hello world ", count: 90_000)
        let ids = try tokenizer().tokenize(text)
        #expect(ids.count == 256)
        #expect(ids.first == 2 && ids.last == 3)
    }

    @Test func refusesAVocabularyWithoutItsSpecialPieces() {
        #expect(throws: ModelError.self) {
            try WordPieceTokenizer(vocabulary: WordPieceVocabulary(pieces: ["[PAD]", "hello"]))
        }
    }

    @Test func givesHuggingFaceTokenIDsForEveryReferenceText() throws {
        let fixture = try ReferenceFixture.load()
        let vocabulary = try WordPieceVocabulary(contentsOf: try locatedModel().appendingPathComponent("vocab.txt"))
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        #expect(fixture.texts.count == 310)
        var mismatches: [Int] = []
        for text in fixture.texts where tokenizer.tokenize(text.text) != fixture.inputIDs[text.id] {
            mismatches.append(text.id)
        }
        #expect(mismatches.isEmpty, "token ids differ for texts \(mismatches)")
    }
}
