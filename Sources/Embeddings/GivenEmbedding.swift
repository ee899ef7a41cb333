/// Why a vector that came with an event or a file cannot stand in for a prompt's embedding.
public enum GivenEmbeddingError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(expected: Int, actual: Int)
    case notFinite(index: Int)
    case zeroVector

    public var description: String {
        switch self {
        case .dimensionMismatch(let expected, let actual):
            "embedding has \(actual) dimensions, expected \(expected)"
        case .notFinite(let index):
            "embedding value \(index) is NaN or infinite"
        case .zeroVector:
            "embedding is all zeros, so it has no direction to compare"
        }
    }
}

/// Checks a vector supplied with a prompt instead of one computed here: it must have the
/// embedder's dimension, only finite values, and not be zero. Returns it scaled to unit length
/// (norm accumulated in Double), the form every `Embedder` returns.
public func checkedGivenEmbedding(_ vector: [Float], dimension: Int) throws(GivenEmbeddingError) -> [Float] {
    guard vector.count == dimension else {
        throw .dimensionMismatch(expected: dimension, actual: vector.count)
    }
    var squares = 0.0
    for (index, value) in vector.enumerated() {
        guard value.isFinite else { throw .notFinite(index: index) }
        squares += Double(value) * Double(value)
    }
    guard squares > 0 else { throw .zeroVector }
    let inverse = 1 / squares.squareRoot()
    return vector.map { Float(Double($0) * inverse) }
}
