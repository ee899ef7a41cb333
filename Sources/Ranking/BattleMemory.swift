/// The labelled battles the SW router weighs: each battle's two models, its outcome and its
/// prompt, with every distinct prompt's embedding held once (unit length, one row of a
/// P × d `Float` matrix).
///
/// Judge-style data fights every model pair on the same prompt, and votes often name a prompt
/// already in memory: such battles share one row, so the similarity product runs over distinct
/// prompts and a prompt's battles are weighed together. Two battles share a prompt when their
/// normalised embeddings are bit for bit equal, which is exactly when every query finds them
/// equally similar. Rows are stored contiguously in order of first appearance, so a batch of
/// queries meets the whole memory in one SGEMM. Besides its prompt's row a battle costs 17 bytes.
public struct BattleMemory: Sendable {
    public let dimension: Int
    public private(set) var models: [String] = []
    private var modelIndex: [String: Int] = [:]
    /// promptCount × dimension, row-major, each row of unit length.
    public private(set) var promptEmbeddings: [Float] = []
    /// Per battle, its prompt's row of `promptEmbeddings`.
    public private(set) var promptOfBattle: [UInt32] = []
    public private(set) var modelA: [UInt16] = []
    public private(set) var modelB: [UInt16] = []
    public private(set) var outcomes: [BattleOutcome] = []
    /// When each battle was fought, seconds since 1970 (NaN when unknown): for time decay.
    public private(set) var times: [Double] = []
    /// The row of a prompt by the hash of its embedding's bits; nil in a memory that gives every
    /// battle a row of its own.
    private var promptRowOfHash: [Int: UInt32]?

    /// A memory in which battles with the same prompt share its row, or with
    /// `mergingRepeatedPrompts` false one in which every battle has a row of its own (the
    /// per-battle layout, kept to measure against).
    public init(dimension: Int, expectedBattles: Int = 0, mergingRepeatedPrompts: Bool = true) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        promptRowOfHash = mergingRepeatedPrompts ? [:] : nil
        reserveCapacity(expectedBattles)
    }

    public var count: Int { outcomes.count }

    public var promptCount: Int { promptEmbeddings.count / dimension }

    /// Reserves room for this many battles in all (each with a prompt of its own, at most).
    public mutating func reserveCapacity(_ battles: Int) {
        modelA.reserveCapacity(battles)
        modelB.reserveCapacity(battles)
        outcomes.reserveCapacity(battles)
        times.reserveCapacity(battles)
        promptOfBattle.reserveCapacity(battles)
        if promptRowOfHash == nil { promptEmbeddings.reserveCapacity(battles * dimension) }
    }

    public func index(ofModel name: String) -> Int? {
        modelIndex[name]
    }

    public func battle(_ index: Int) -> IndexedBattle {
        IndexedBattle(a: Int(modelA[index]), b: Int(modelB[index]), outcome: outcomes[index])
    }

    public func promptEmbedding(_ prompt: Int) -> ArraySlice<Float> {
        promptEmbeddings[(prompt * dimension)..<((prompt + 1) * dimension)]
    }

    /// The embedding of a battle's prompt.
    public func embedding(ofBattle index: Int) -> ArraySlice<Float> {
        promptEmbedding(Int(promptOfBattle[index]))
    }

    /// Adds a battle; the embedding is normalised to unit length. A model seen for the first
    /// time is added to `models`, a prompt seen for the first time to `promptEmbeddings`.
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
        promptOfBattle.append(promptRow(for: row))
        modelA.append(indexA)
        modelB.append(indexB)
        outcomes.append(outcome)
        times.append(time)
    }

    /// The row holding `row`'s values, added if there is none. On the rare hash collision of two
    /// different rows the second simply gets a row of its own (it is not merged).
    private mutating func promptRow(for row: [Float]) -> UInt32 {
        let newRow = UInt32(promptCount)
        guard promptRowOfHash != nil else {
            promptEmbeddings.append(contentsOf: row)
            return newRow
        }
        let hash = row.withUnsafeBytes { bytes in
            var hasher = Hasher()
            hasher.combine(bytes: bytes)
            return hasher.finalize()
        }
        if let known = promptRowOfHash![hash], promptEmbedding(Int(known)).elementsEqual(row, by: { $0.bitPattern == $1.bitPattern }) {
            return known
        }
        if promptRowOfHash![hash] == nil { promptRowOfHash![hash] = newRow }
        promptEmbeddings.append(contentsOf: row)
        return newRow
    }

    private mutating func register(_ model: String) throws(BattleMemoryError) -> UInt16 {
        if let index = modelIndex[model] { return UInt16(index) }
        guard models.count < Int(UInt16.max) else { throw .tooManyModels }
        modelIndex[model] = models.count
        models.append(model)
        return UInt16(models.count - 1)
    }

    /// The same battles and prompts reordered so that the ranker weighs them fastest: battles
    /// of one prompt adjacent, and the prompts whose battles are all one matchup (two models,
    /// one outcome) in runs of that matchup, before the prompts of several matchups. Order
    /// carries no meaning for the router.
    public func groupedByMatchup() -> BattleMemory {
        var firstBattle = [Int](repeating: -1, count: promptCount)
        var oneMatchup = [Bool](repeating: true, count: promptCount)
        for battle in 0..<count {
            let prompt = Int(promptOfBattle[battle])
            if firstBattle[prompt] < 0 {
                firstBattle[prompt] = battle
            } else if !sameMatchup(battle, firstBattle[prompt]) {
                oneMatchup[prompt] = false
            }
        }
        let promptOrder = (0..<promptCount).filter { firstBattle[$0] >= 0 }.sorted { left, right in
            let (l, r) = (firstBattle[left], firstBattle[right])
            return (oneMatchup[left] ? 0 : 1, modelA[l], modelB[l], outcomes[l].rawValue, left)
                < (oneMatchup[right] ? 0 : 1, modelA[r], modelB[r], outcomes[r].rawValue, right)
        }
        var rank = [Int](repeating: 0, count: promptCount)
        for (position, prompt) in promptOrder.enumerated() { rank[prompt] = position }
        let battleOrder = (0..<count).sorted { left, right in
            (rank[Int(promptOfBattle[left])], modelA[left], modelB[left], outcomes[left].rawValue, left)
                < (rank[Int(promptOfBattle[right])], modelA[right], modelB[right], outcomes[right].rawValue, right)
        }
        return battles(at: battleOrder)
    }

    private func sameMatchup(_ left: Int, _ right: Int) -> Bool {
        modelA[left] == modelA[right] && modelB[left] == modelB[right] && outcomes[left] == outcomes[right]
    }

    /// The battles `keep` accepts (by index), in order, with every model of this memory.
    public func subset(_ keep: (Int) -> Bool) -> BattleMemory {
        battles(at: (0..<count).filter(keep))
    }

    /// A memory of the battles at `indices`, in that order, with every model of this one and the
    /// prompts they name, in order of first appearance.
    private func battles(at indices: [Int]) -> BattleMemory {
        var taken = BattleMemory(dimension: dimension, mergingRepeatedPrompts: promptRowOfHash != nil)
        taken.models = models
        taken.modelIndex = modelIndex
        taken.reserveCapacity(indices.count)
        var takenRow = [UInt32?](repeating: nil, count: promptCount)
        for index in indices {
            let prompt = Int(promptOfBattle[index])
            if takenRow[prompt] == nil || promptRowOfHash == nil {
                takenRow[prompt] = taken.promptRow(for: Array(promptEmbedding(prompt)))
            }
            taken.promptOfBattle.append(takenRow[prompt]!)
            taken.modelA.append(modelA[index])
            taken.modelB.append(modelB[index])
            taken.outcomes.append(outcomes[index])
            taken.times.append(times[index])
        }
        return taken
    }

    /// Bytes held by the distinct prompts' rows, counting reserved capacity: the figure to hold
    /// against P × d × 4.
    public var embeddingBytes: Int {
        promptEmbeddings.capacity * MemoryLayout<Float>.stride
    }

    /// Bytes held in all, counting reserved capacity: the rows, each battle's models, outcome,
    /// time and prompt, and the lookup of prompts by hash (estimated at its capacity).
    public var allocatedBytes: Int {
        embeddingBytes
            + (modelA.capacity + modelB.capacity) * MemoryLayout<UInt16>.stride
            + outcomes.capacity * MemoryLayout<BattleOutcome>.stride
            + times.capacity * MemoryLayout<Double>.stride
            + promptOfBattle.capacity * MemoryLayout<UInt32>.stride
            + (promptRowOfHash?.capacity ?? 0) * (MemoryLayout<Int>.stride + MemoryLayout<UInt32>.stride + 1)
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
