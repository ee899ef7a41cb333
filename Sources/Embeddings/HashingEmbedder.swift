import Ranking
/// Feature hashing into a fixed number of dimensions: no model file, a few microseconds per
/// prompt, the same vector for the same text on every machine. For tests, for hosts without
/// the MiniLM weights, and as the baseline a neural embedder has to beat.
///
/// A text is lower-cased and cut into words (runs of letters and digits). Its features are
/// every word, every pair of adjacent words, and the character 3-, 4- and 5-grams of each word
/// with boundary marks (`<cat>` gives `<ca`, `cat`, `at>`, `<cat`, …), so that inflections and
/// misspellings still share features. Each occurrence adds its weight, with a sign drawn from
/// the feature's hash so that collisions cancel on average instead of piling up, to the
/// dimension its hash picks (term-frequency weighting); the sum is scaled to unit length.
public struct HashingEmbedder: Embedder {
    public static let name = "hashing"
    /// Bumped whenever a change here could move an embedding.
    static let revision = "r1"
    static let characterGramLengths = 3...5
    /// Words carry the most meaning; n-grams, many per word, each count for less.
    static let wordWeight: Float = 1
    static let wordPairWeight: Float = 0.5
    static let characterGramWeight: Float = 0.25

    public let dimension: Int
    public var identity: EmbedderIdentity {
        EmbedderIdentity(name: Self.name, version: "\(Self.revision) d\(dimension)")
    }

    public init(dimension: Int = 384) {
        precondition(dimension > 0, "the dimension must be positive")
        self.dimension = dimension
    }

    public func embed(_ texts: [String]) -> FloatMatrix {
        embed(texts, profile: nil)
    }

    public func embed(_ texts: [String], profile: EmbeddingProfile?) -> FloatMatrix {
        var values = [Float](repeating: 0, count: texts.count * dimension)
        EmbeddingProfile.measure(profile, .hashing) {
            var word: [UInt32] = []
            values.withUnsafeMutableBufferPointer { all in
                for (index, text) in texts.enumerated() {
                    let row = UnsafeMutableBufferPointer(rebasing: all[(index * dimension)..<((index + 1) * dimension)])
                    accumulate(text, into: row, word: &word)
                    normalize(row)
                }
            }
        }
        return FloatMatrix(rows: texts.count, columns: dimension, values: values)
    }

    private enum Seed {
        static let word: UInt64 = 1
        static let wordPair: UInt64 = 2
        static let characterGram: UInt64 = 3
        static let empty: UInt64 = 4
    }

    private func accumulate(_ text: String, into row: UnsafeMutableBufferPointer<Float>, word: inout [UInt32]) {
        var previousWord: UInt64?
        var sawWord = false
        func endWord() {
            guard !word.isEmpty else { return }
            var hash = StableHash(seed: Seed.word)
            for scalar in word { hash.combine(scalar) }
            let wordHash = hash.finalized
            add(wordHash, Self.wordWeight, row)
            if let previousWord {
                var pair = StableHash(seed: Seed.wordPair)
                pair.combine(previousWord)
                pair.combine(wordHash)
                add(pair.finalized, Self.wordPairWeight, row)
            }
            addCharacterGrams(word, row)
            previousWord = wordHash
            sawWord = true
            word.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                switch value {
                case 0x30...0x39, 0x61...0x7A: word.append(value)
                case 0x41...0x5A: word.append(value + 0x20)
                default: endWord()
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { word.append(lower.value) }
            } else {
                endWord()
            }
        }
        endWord()
        // A text without words (empty, or only punctuation) still gets a direction, the same
        // for all of them.
        if !sawWord { add(StableHash(seed: Seed.empty).finalized, 1, row) }
    }

    /// The n-grams of `<word>`, each start position extending one hash through lengths 3…5.
    private func addCharacterGrams(_ word: [UInt32], _ row: UnsafeMutableBufferPointer<Float>) {
        let boundaryStart: UInt32 = 0x02, boundaryEnd: UInt32 = 0x03
        let count = word.count + 2
        func scalar(_ position: Int) -> UInt32 {
            position == 0 ? boundaryStart : position == count - 1 ? boundaryEnd : word[position - 1]
        }
        let shortest = Self.characterGramLengths.lowerBound, longest = Self.characterGramLengths.upperBound
        guard count >= shortest else { return }
        for start in 0...(count - shortest) {
            var hash = StableHash(seed: Seed.characterGram)
            for length in 1...min(longest, count - start) {
                hash.combine(scalar(start + length - 1))
                if length >= shortest { add(hash.finalized, Self.characterGramWeight, row) }
            }
        }
    }

    /// The hash's high bits pick the dimension (multiply-shift, no modulo bias worth noting
    /// for 64 bits), its lowest bit the sign.
    @inline(__always)
    private func add(_ hash: UInt64, _ weight: Float, _ row: UnsafeMutableBufferPointer<Float>) {
        let index = Int(((hash >> 32) &* UInt64(dimension)) >> 32)
        row[index] += hash & 1 == 0 ? weight : -weight
    }

    private func normalize(_ row: UnsafeMutableBufferPointer<Float>) {
        var squares = 0.0
        for value in row { squares += Double(value) * Double(value) }
        if squares == 0 {
            // Features of opposite sign met in one dimension and cancelled exactly (possible,
            // very rare): fall back to the direction of a text without words.
            add(StableHash(seed: Seed.empty).finalized, 1, row)
            squares = 1
        }
        let inverse = Float(1 / squares.squareRoot())
        for index in row.indices { row[index] *= inverse }
    }
}
