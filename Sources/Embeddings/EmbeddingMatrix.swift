/// Embeddings of a batch of texts: `rows` vectors of `dimension` floats, row-major, the layout
/// SGEMM reads.
public struct EmbeddingMatrix: Sendable, Equatable {
    public let rows: Int
    public let dimension: Int
    public private(set) var values: [Float]

    public init(rows: Int, dimension: Int, values: [Float]) {
        precondition(rows >= 0 && dimension >= 0 && values.count == rows * dimension,
                     "embedding values do not match the matrix shape")
        self.rows = rows
        self.dimension = dimension
        self.values = values
    }

    /// The embedding of text `index`.
    public func row(_ index: Int) -> ArraySlice<Float> {
        values[(index * dimension)..<((index + 1) * dimension)]
    }

    /// The rows as separate arrays.
    public var vectors: [[Float]] {
        (0..<rows).map { Array(row($0)) }
    }
}
