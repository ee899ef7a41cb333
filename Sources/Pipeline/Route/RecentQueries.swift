import Ranking

/// The vectors of a route stage's latest queries, at most `capacity` of them (oldest dropped):
/// the live traffic a `routing.strong_share` is calibrated on when a new ratings version comes.
/// 2,000 MiniLM vectors take 3 MB.
struct RecentQueries {
    static let capacity = 2_000

    private var values: [Float] = []
    private var dimension = 0
    private var next = 0
    private(set) var count = 0

    /// Adds the rows of `queries`; a change of dimension (another embedder) starts afresh.
    mutating func add(_ queries: FloatMatrix) {
        guard queries.rows > 0 else { return }
        if queries.columns != dimension {
            self = RecentQueries()
            dimension = queries.columns
            values = [Float](repeating: 0, count: Self.capacity * dimension)
        }
        for row in 0..<queries.rows {
            let start = next * dimension
            values.replaceSubrange(start..<(start + dimension), with: queries.row(row))
            next = (next + 1) % Self.capacity
            count = min(count + 1, Self.capacity)
        }
    }

    /// The rows held, in no particular order; nil when there are none.
    var matrix: FloatMatrix? {
        count == 0 ? nil : FloatMatrix(rows: count, columns: dimension, values: Array(values[0..<(count * dimension)]))
    }
}
