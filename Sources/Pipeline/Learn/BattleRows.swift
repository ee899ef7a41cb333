import Foundation
import Postgres
import Ranking

/// Battles read back from the battles table for a router's memory, column by column: what the
/// ranker needs (models, outcome, time, embedding) and what memory limits need (source).
public struct BattleRows: Sendable {
    public let dimension: Int
    public private(set) var ids: [Int64] = []
    public private(set) var modelA: [String] = []
    public private(set) var modelB: [String] = []
    public private(set) var outcomes: [BattleOutcome] = []
    public private(set) var sources: [String] = []
    /// Seconds since 1970; NaN when unknown.
    public private(set) var times: [Double] = []
    /// count × dimension.
    public private(set) var embeddings: [Float] = []

    public init(dimension: Int) {
        self.dimension = dimension
    }

    public var count: Int { ids.count }

    /// The columns `append(_:)` reads, in order, and their types.
    static let columns = "id, model_a, model_b, winner, source, fought_at, embedding"
    static let columnTypes: [PostgresType] = [.bigint, .text, .text, .text, .text, .timestamptz, .bytea]

    /// Appends one row of `columns`.
    mutating func append(_ values: [PostgresValue]) throws {
        guard values.count == 7, case .bigint(let id) = values[0], case .text(let a) = values[1], case .text(let b) = values[2],
              case .text(let label) = values[3], case .text(let source) = values[4], case .bytea(let bytes) = values[6]
        else {
            throw LearningError.damagedBattle(id: nil, "a battle row has unexpected values \(values)")
        }
        guard let outcome = BattleOutcome(label: label) else { throw LearningError.damagedBattle(id: id, "winner '\(label)'") }
        guard bytes.count == dimension * 4 else {
            throw LearningError.damagedBattle(id: id, "its embedding has \(bytes.count / 4) dimensions, the memory \(dimension)")
        }
        let time: Double = if case .timestamptz(let at) = values[5] { at.date.timeIntervalSince1970 } else { .nan }
        ids.append(id)
        modelA.append(a)
        modelB.append(b)
        outcomes.append(outcome)
        sources.append(source)
        times.append(time)
        EmbeddingBytes.decode(bytes, appendingTo: &embeddings)
    }

    public func embedding(_ index: Int) -> ArraySlice<Float> {
        embeddings[(index * dimension)..<((index + 1) * dimension)]
    }
}

extension BattleRows {
    /// Appends row `index` of `other`.
    mutating func append(row index: Int, of other: BattleRows) {
        precondition(other.dimension == dimension)
        ids.append(other.ids[index])
        modelA.append(other.modelA[index])
        modelB.append(other.modelB[index])
        outcomes.append(other.outcomes[index])
        sources.append(other.sources[index])
        times.append(other.times[index])
        embeddings.append(contentsOf: other.embedding(index))
    }
}
