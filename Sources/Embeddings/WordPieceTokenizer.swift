/// BERT's uncased WordPiece tokenizer, giving the same ids as Hugging Face's `tokenizers` with
/// all-MiniLM-L6-v2's `tokenizer.json`: `[CLS]`, the word pieces of the normalised text
/// (greedy longest match, `##` marking a piece that continues a word), `[SEP]`, truncated to
/// `maximumLength` ids in all.
///
/// Tokenizing stops as soon as the budget is full, so a megabyte-long prompt costs no more than
/// the first few hundred words of it.
public struct WordPieceTokenizer: Sendable {
    /// A word longer than this (in Unicode scalars) becomes `[UNK]` whole.
    public static let maximumCharactersPerWord = 100

    public let vocabulary: WordPieceVocabulary
    /// Ids per text including `[CLS]` and `[SEP]`.
    public let maximumLength: Int
    public let unknownID: Int32
    public let classificationID: Int32
    public let separatorID: Int32

    public init(vocabulary: WordPieceVocabulary, maximumLength: Int = 256) throws(ModelError) {
        precondition(maximumLength >= 2, "room for [CLS] and [SEP] is needed")
        func special(_ piece: String) throws(ModelError) -> Int32 {
            guard let id = vocabulary.id(of: piece) else {
                throw .corrupt(file: vocabulary.source, reason: "the vocabulary has no \(piece) piece")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.maximumLength = maximumLength
        unknownID = try special("[UNK]")
        classificationID = try special("[CLS]")
        separatorID = try special("[SEP]")
    }

    /// The model's input ids for one text.
    public func tokenize(_ text: String) -> [Int32] {
        var run = Tokenization(tokenizer: self)
        var word: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if BertNormalization.isRemoved(scalar) { continue }
            if BertNormalization.isWhitespace(scalar) {
                if !word.isEmpty {
                    run.append(word: word)
                    word.removeAll(keepingCapacity: true)
                    if run.isFull { break }
                }
                continue
            }
            word.append(scalar)
        }
        if !word.isEmpty && !run.isFull { run.append(word: word) }
        return run.finished()
    }
}

/// The state of one `tokenize` call: ids so far and scratch buffers reused across words.
private struct Tokenization {
    let tokenizer: WordPieceTokenizer
    var ids: [Int32]
    private let budget: Int
    private var normalized: [Unicode.Scalar] = []
    private var piece: [Unicode.Scalar] = []
    /// `##` followed by the UTF-8 bytes of the rest of the word being matched.
    private var key: [UInt8] = []
    /// Byte offset of every scalar of the current word, and its end.
    private var offsets: [Int] = []
    private var utf8: [UInt8] = []

    init(tokenizer: WordPieceTokenizer) {
        self.tokenizer = tokenizer
        budget = tokenizer.maximumLength - 2
        ids = [tokenizer.classificationID]
        ids.reserveCapacity(tokenizer.maximumLength)
    }

    var isFull: Bool { ids.count > budget }

    /// Splits a normalised word at punctuation (each punctuation character is a word of its
    /// own) and the spaces set around CJK ideographs, and appends each part's pieces.
    mutating func append(word: [Unicode.Scalar]) {
        BertNormalization.normalize(word, into: &normalized)
        piece.removeAll(keepingCapacity: true)
        for scalar in normalized {
            if scalar == " " {
                flushPiece()
            } else if BertNormalization.isPunctuation(scalar) {
                flushPiece()
                piece.append(scalar)
                flushPiece()
            } else {
                piece.append(scalar)
            }
            if isFull { return }
        }
        flushPiece()
    }

    private mutating func flushPiece() {
        guard !piece.isEmpty, !isFull else {
            piece.removeAll(keepingCapacity: true)
            return
        }
        appendWordPieces(piece)
        piece.removeAll(keepingCapacity: true)
    }

    /// Greedy longest-match-first: from each position, the longest vocabulary piece that
    /// starts there (`##`-prefixed after the first); if some position has none, the whole word
    /// is `[UNK]`.
    private mutating func appendWordPieces(_ word: [Unicode.Scalar]) {
        guard word.count <= WordPieceTokenizer.maximumCharactersPerWord else {
            ids.append(tokenizer.unknownID)
            return
        }
        utf8.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        for scalar in word {
            offsets.append(utf8.count)
            utf8.append(contentsOf: UTF8.encode(scalar)!)
        }
        offsets.append(utf8.count)

        let vocabulary = tokenizer.vocabulary
        var found: [Int32] = []
        var start = 0
        while start < word.count {
            let prefix = start == 0 ? 0 : 2
            key.removeAll(keepingCapacity: true)
            if prefix == 2 { key.append(contentsOf: [0x23, 0x23]) }
            key.append(contentsOf: utf8[offsets[start]...])
            var end = word.count
            var match: Int32?
            while end > start {
                let length = prefix + offsets[end] - offsets[start]
                if length <= vocabulary.longestPieceBytes {
                    match = key.withUnsafeBufferPointer { vocabulary.id(of: UnsafeBufferPointer(rebasing: $0[..<length])) }
                    if match != nil { break }
                }
                end -= 1
            }
            guard let match else {
                ids.append(tokenizer.unknownID)
                return
            }
            found.append(match)
            start = end
        }
        ids.append(contentsOf: found)
    }

    mutating func finished() -> [Int32] {
        if ids.count > budget + 1 { ids.removeLast(ids.count - budget - 1) }
        ids.append(tokenizer.separatorID)
        return ids
    }
}
