/// The labelled battles the SW router weighs: each battle's prompt embedding (unit length, one
/// row of an N × d `Float` matrix), its two models and its outcome.
///
/// Rows are stored contiguously in append order, so a batch of queries meets the whole memory in
/// one SGEMM. Besides the embeddings a battle costs 7 bytes.
public struct BattleMemory: Sendable {
    public let dimension: Int
    public private(set) var models: [String] = []
    private var modelIndex: [String: Int] = [:]
    /// count × dimension, row-major, each row of unit length.
    public private(set) var embeddings: [Float] = []
    public private(set) var modelA: [UInt16] = []
    public private(set) var modelB: [UInt16] = []
    public private(set) var outcomes: [BattleOutcome] = []
    /// When each battle was fought, seconds since 1970 (NaN when unknown): for time decay.
    public private(set) var times: [Double] = []

    public init(dimension: Int, expectedBattles: Int = 0) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        reserveCapacity(expectedBattles)
    }

    public var count: Int { outcomes.count }

    /// Reserves room for this many battles in all, so appending them allocates nothing more.
    public mutating func reserveCapacity(_ battles: Int) {
        embeddings.reserveCapacity(battles * dimension)
        modelA.reserveCapacity(battles)
        modelB.reserveCapacity(battles)
        outcomes.reserveCapacity(battles)
        times.reserveCapacity(battles)
    }

    public func index(ofModel name: String) -> Int? {
        modelIndex[name]
    }

    public func battle(_ index: Int) -> IndexedBattle {
        IndexedBattle(a: Int(modelA[index]), b: Int(modelB[index]), outcome: outcomes[index])
    }

    /// Adds a battle; the embedding is normalised to unit length. A model seen for the first
    /// time is added to `models`.
    public mutating func append(modelA a: String, modelB b: String, outcome: BattleOutcome,
                                embedding: some Collection<Float>, time: Double = .nan) throws(BattleMemoryError) {
        guard embedding.count == dimension else {
            throw .badEmbedding(.dimensionMismatch(expected: dimension, actual: embedding.count))
        }
        guard a != b else { throw .sameModel(a) }
        var row = Array(embedding)
        do {
            try normalize(&row, range: row.indices)
        } catch {
            throw .badEmbedding(error)
        }
        let indexA = try register(a)
        let indexB = try register(b)
        embeddings.append(contentsOf: row)
        modelA.append(indexA)
        modelB.append(indexB)
        outcomes.append(outcome)
        times.append(time)
    }

    private mutating func register(_ model: String) throws(BattleMemoryError) -> UInt16 {
        if let index = modelIndex[model] { return UInt16(index) }
        guard models.count < Int(UInt16.max) else { throw .tooManyModels }
        modelIndex[model] = models.count
        models.append(model)
        return UInt16(models.count - 1)
    }

    /// The same battles reordered so that battles between the same two models with the same
    /// outcome are adjacent (stable within a group). Order carries no meaning for the router,
    /// but in this order the ranker sums weights over long runs instead of battle by battle.
    public func groupedByMatchup() -> BattleMemory {
        let order = (0..<count).sorted { left, right in
            (modelA[left], modelB[left], outcomes[left].rawValue, left) < (modelA[right], modelB[right], outcomes[right].rawValue, right)
        }
        return battles(at: order)
    }

    /// The battles `keep` accepts (by index), in order, with every model of this memory.
    public func subset(_ keep: (Int) -> Bool) -> BattleMemory {
        battles(at: (0..<count).filter(keep))
    }

    /// A memory of the battles at `indices`, in that order, with every model of this one.
    private func battles(at indices: [Int]) -> BattleMemory {
        var taken = BattleMemory(dimension: dimension, expectedBattles: indices.count)
        taken.models = models
        taken.modelIndex = modelIndex
        for index in indices {
            taken.embeddings += embeddings[(index * dimension)..<((index + 1) * dimension)]
            taken.modelA.append(modelA[index])
            taken.modelB.append(modelB[index])
            taken.outcomes.append(outcomes[index])
            taken.times.append(times[index])
        }
        return taken
    }

    /// Bytes held, counting reserved capacity: the figure to hold against N × d × 4.
    public var allocatedBytes: Int {
        embeddings.capacity * MemoryLayout<Float>.stride
            + (modelA.capacity + modelB.capacity) * MemoryLayout<UInt16>.stride
            + outcomes.capacity * MemoryLayout<BattleOutcome>.stride
            + times.capacity * MemoryLayout<Double>.stride
    }
}

public enum BattleMemoryError: Error, Equatable, CustomStringConvertible {
    case badEmbedding(EmbeddingError)
    case sameModel(String)
    case tooManyModels

    public var description: String {
        switch self {
        case .badEmbedding(let error): error.description
        case .sameModel(let model): "a battle needs two different models, both sides are '\(model)'"
        case .tooManyModels: "a battle memory holds at most 65,535 models"
        }
    }
}
