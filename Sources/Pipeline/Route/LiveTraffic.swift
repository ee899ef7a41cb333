import Ranking

/// The latest queries a route stage decided, at most `routing.live_window` of them (the oldest
/// give way): each one's vector, and its strong-up-to under the router in use — the highest
/// threshold at which that router gives it to the reference model. The share of them the
/// threshold in use sends strong is the live strong share (`LiveStrongShare`). At a new ratings
/// version the follower scores their vectors under the new router, which calibrates a
/// `routing.strong_share` on them; the window then takes the new scores. 2,000 MiniLM vectors
/// take 3 MB.
struct LiveTraffic {
    /// The vectors a window held when a new router was built, oldest first, to be scored under it.
    struct Sample: Sendable {
        /// The route stage whose window they are.
        let window: ObjectIdentifier
        /// The number of the first query (the window counts the queries it was given).
        let first: Int
        let queries: FloatMatrix
    }

    /// A sample's strong-up-to under a new router, row for row.
    struct Scores: Sendable {
        let window: ObjectIdentifier
        let first: Int
        let strongUpTo: [Double]
    }

    let capacity: Int
    private var vectors: [Float] = []
    private var strongUpTo: [Double] = []
    private var dimension = 0
    /// Queries given so far: the window holds the latest `count`, query n in slot n % capacity.
    private var added = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a live window holds at least one query")
        self.capacity = capacity
    }

    var count: Int { min(added, capacity) }

    /// Adds the rows of `queries`, each with its strong-up-to. They have the dimension of the
    /// battle memory, which a route stage keeps for its life.
    mutating func add(_ queries: FloatMatrix, strongUpTo scores: [Double]) {
        precondition(scores.count == queries.rows, "one strong-up-to per query")
        guard queries.rows > 0 else { return }
        if dimension == 0 {
            dimension = queries.columns
            vectors = [Float](repeating: 0, count: capacity * dimension)
            strongUpTo = [Double](repeating: 0, count: capacity)
        }
        precondition(queries.columns == dimension, "the queries of a route stage keep the memory's dimension")
        for row in 0..<queries.rows {
            let slot = added % capacity
            vectors.replaceSubrange((slot * dimension)..<((slot + 1) * dimension), with: queries.row(row))
            strongUpTo[slot] = scores[row]
            added += 1
        }
    }

    /// The share of the queries held that `threshold` sends to the reference model; nil when
    /// there are none.
    func strongShare(at threshold: Double) -> Double? {
        count == 0 ? nil : Double(strongUpTo[0..<count].count { $0 >= threshold }) / Double(count)
    }

    /// The vectors held, oldest first; nil when there are none.
    func sample(of window: ObjectIdentifier) -> Sample? {
        guard count > 0 else { return nil }
        let first = added - count
        var values: [Float] = []
        values.reserveCapacity(count * dimension)
        for number in first..<added {
            let slot = number % capacity
            values += vectors[(slot * dimension)..<((slot + 1) * dimension)]
        }
        return Sample(window: window, first: first, queries: FloatMatrix(rows: count, columns: dimension, values: values))
    }

    /// Takes a new router's scores of a sample: the sampled queries still held get them; the
    /// few decided while the router was built keep the scores they were decided with.
    mutating func rescore(_ scores: Scores) {
        for (offset, score) in scores.strongUpTo.enumerated() {
            let number = scores.first + offset
            guard number >= added - count, number < added else { continue }
            strongUpTo[number % capacity] = score
        }
    }
}
