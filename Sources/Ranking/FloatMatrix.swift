/// A dense row-major matrix of `Float`, the layout SGEMM reads: embeddings of a batch of texts
/// (a row per text), queries to rank, similarities.
public struct FloatMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public private(set) var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix values do not match its shape")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(rows: [[Float]], columns: Int) {
        precondition(rows.allSatisfy { $0.count == columns }, "rows of unequal length")
        self.init(rows: rows.count, columns: columns, values: rows.flatMap { $0 })
    }

    public func row(_ index: Int) -> ArraySlice<Float> {
        values[(index * columns)..<((index + 1) * columns)]
    }

    /// The rows as separate arrays.
    public var rowVectors: [[Float]] {
        (0..<rows).map { Array(row($0)) }
    }

    /// Scales every row to unit Euclidean length. Fails on a row that is zero or not finite,
    /// which has no direction to compare.
    public mutating func normalizeRows() throws(EmbeddingRowError) {
        for row in 0..<rows {
            do {
                try normalize(&values, range: (row * columns)..<((row + 1) * columns))
            } catch {
                throw EmbeddingRowError(row: row, reason: error)
            }
        }
    }
}

/// Why a vector cannot be used as a prompt embedding.
public enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(expected: Int, actual: Int)
    case notFinite
    case zeroVector

    public var description: String {
        switch self {
        case .dimensionMismatch(let expected, let actual):
            "embedding has \(actual) dimensions, the battle memory has \(expected)"
        case .notFinite: "embedding contains NaN or infinity"
        case .zeroVector: "embedding is all zeros"
        }
    }
}

/// An unusable row of a matrix of embeddings.
public struct EmbeddingRowError: Error, Equatable, CustomStringConvertible {
    public let row: Int
    public let reason: EmbeddingError

    public var description: String { "row \(row): \(reason)" }
}

/// Scales `values[range]` to unit length in place (norm accumulated in Double).
func normalize(_ values: inout [Float], range: Range<Int>) throws(EmbeddingError) {
    var squares = 0.0
    for i in range {
        guard values[i].isFinite else { throw .notFinite }
        squares += Double(values[i]) * Double(values[i])
    }
    guard squares > 0 else { throw .zeroVector }
    let inverse = 1 / squares.squareRoot()
    for i in range { values[i] = Float(Double(values[i]) * inverse) }
}
