import Foundation

/// The word pieces of a BERT model (`vocab.txt`: one piece per line, its id the line number),
/// looked up by their exact UTF-8 bytes.
///
/// Lookups compare bytes, never `String`s: Swift's string equality is canonical equivalence, so a
/// precomposed Hangul syllable would equal its decomposed jamo, which Hugging Face's tokenizer
/// (and so the model's training) treats as different pieces. The table is open-addressed over
/// one byte buffer, so a lookup allocates nothing.
public struct WordPieceVocabulary: Sendable {
    /// Every piece, by id.
    public let pieces: [String]
    /// Where the pieces came from, for error messages.
    public let source: String
    /// The longest piece in UTF-8 bytes: no longer candidate can match.
    let longestPieceBytes: Int
    private let bytes: [UInt8]
    private let pieceStart: [Int32]
    private let pieceLength: [Int32]
    /// Ids by hash slot, -1 where empty; the capacity is a power of two.
    private let slots: [Int32]

    public init(pieces: [String], source: String = "the word piece list") {
        var bytes: [UInt8] = []
        var pieceStart: [Int32] = []
        var pieceLength: [Int32] = []
        for piece in pieces {
            pieceStart.append(Int32(bytes.count))
            bytes.append(contentsOf: piece.utf8)
            pieceLength.append(Int32(piece.utf8.count))
        }
        var capacity = 16
        while capacity < pieces.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        bytes.withUnsafeBufferPointer { all in
            for id in pieces.indices {
                let key = UnsafeBufferPointer(rebasing: all[Int(pieceStart[id])..<Int(pieceStart[id] + pieceLength[id])])
                var slot = Self.hash(key) & (capacity - 1)
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    // A repeated line: the later id wins, as in Hugging Face's vocabulary map.
                    if key.elementsEqual(all[Int(pieceStart[other])..<Int(pieceStart[other] + pieceLength[other])]) { break }
                    slot = (slot + 1) & (capacity - 1)
                }
                slots[slot] = Int32(id)
            }
        }
        self.pieces = pieces
        self.source = source
        self.bytes = bytes
        self.pieceStart = pieceStart
        self.pieceLength = pieceLength
        self.slots = slots
        longestPieceBytes = Int(pieceLength.max() ?? 0)
    }

    /// Reads `vocab.txt`. Trailing whitespace of a line is not part of its piece (as in Hugging
    /// Face's reader); a final newline does not add an empty piece.
    public init(contentsOf url: URL) throws(ModelError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: "\(error.localizedDescription)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .corrupt(file: url.path, reason: "not valid UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        let pieces = lines.map { line in
            var scalars = Substring(line).unicodeScalars[...]
            while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
            return String(String.UnicodeScalarView(scalars))
        }
        guard !pieces.isEmpty else { throw .corrupt(file: url.path, reason: "no word pieces") }
        self.init(pieces: pieces, source: url.path)
    }

    public var count: Int { pieces.count }

    /// The id of a piece given as UTF-8 bytes.
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        return bytes.withUnsafeBufferPointer { all in
            while true {
                let id = slots[slot]
                if id < 0 { return nil }
                let start = Int(pieceStart[Int(id)])
                if Int(pieceLength[Int(id)]) == key.count,
                   key.isEmpty || memcmp(all.baseAddress! + start, key.baseAddress!, key.count) == 0 {
                    return id
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The id of a piece given as text.
    public func id(of piece: String) -> Int32? {
        var utf8 = Array(piece.utf8)
        return utf8.withUnsafeMutableBufferPointer { id(of: UnsafeBufferPointer($0)) }
    }

    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hash = StableHash()
        hash.combine(bytes: key)
        return Int(truncatingIfNeeded: hash.finalized)
    }
}
