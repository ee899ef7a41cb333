import Embeddings
import Ranking

/// The battles of a memory in RAM, with their prompts' embeddings: each distinct prompt's row
/// once (battles of the same prompt text with bit-for-bit equal embeddings share it).
public struct LoadedBattles: Sendable {
    public let battles: [LabelledBattle]
    /// promptRows × dimension, each row of unit length.
    public let promptEmbeddings: [Float]
    /// Per battle, its prompt's row of `promptEmbeddings`.
    public let promptOfBattle: [UInt32]
    public let dimension: Int
    public let embedder: EmbedderIdentity

    /// Battles with one embedding row each (`battles.count × dimension` values, as files and
    /// the battles table store them); repeated prompts are held once.
    public init(battles: [LabelledBattle], embeddings: [Float], dimension: Int, embedder: EmbedderIdentity) {
        precondition(embeddings.count == battles.count * dimension, "one embedding per battle")
        var rows: [Float] = []
        var rowOfBattle: [UInt32] = []
        rowOfBattle.reserveCapacity(battles.count)
        var rowsOfPrompt: [String: [UInt32]] = [:]
        for (index, battle) in battles.enumerated() {
            let embedding = embeddings[(index * dimension)..<((index + 1) * dimension)]
            let known = rowsOfPrompt[battle.prompt]?.first { row in
                rows[(Int(row) * dimension)..<((Int(row) + 1) * dimension)].elementsEqual(embedding) { $0.bitPattern == $1.bitPattern }
            }
            if let known {
                rowOfBattle.append(known)
            } else {
                let row = UInt32(rows.count / dimension)
                rows += embedding
                rowsOfPrompt[battle.prompt, default: []].append(row)
                rowOfBattle.append(row)
            }
        }
        self.init(battles: battles, promptEmbeddings: rows, promptOfBattle: rowOfBattle, dimension: dimension, embedder: embedder)
    }

    /// Battles whose prompts' rows are already held once each.
    public init(battles: [LabelledBattle], promptEmbeddings: [Float], promptOfBattle: [UInt32], dimension: Int,
                embedder: EmbedderIdentity) {
        precondition(promptOfBattle.count == battles.count && promptEmbeddings.count % dimension == 0, "one prompt row per battle")
        self.battles = battles
        self.promptEmbeddings = promptEmbeddings
        self.promptOfBattle = promptOfBattle
        self.dimension = dimension
        self.embedder = embedder
    }

    public func embedding(_ index: Int) -> ArraySlice<Float> {
        let row = Int(promptOfBattle[index])
        return promptEmbeddings[(row * dimension)..<((row + 1) * dimension)]
    }

    /// One embedding row per battle, in battle order: the layout of files and the battles table.
    public func battleEmbeddings() -> [Float] {
        var rows: [Float] = []
        rows.reserveCapacity(battles.count * dimension)
        for index in battles.indices { rows += embedding(index) }
        return rows
    }

    /// The embedding of every distinct prompt (the first battle's, they are all the same).
    public func embeddingsByPrompt() -> [String: ArraySlice<Float>] {
        var byPrompt: [String: ArraySlice<Float>] = [:]
        for (index, battle) in battles.enumerated() where byPrompt[battle.prompt] == nil {
            byPrompt[battle.prompt] = embedding(index)
        }
        return byPrompt
    }

    /// What the SW router needs from the battles that `include` accepts: the memory, global
    /// ratings over exactly those battles, and tiers from those ratings.
    public func routingMemory(tierCount: Int, including include: (Int) -> Bool = { _ in true }) throws -> RoutingMemory {
        let chosen = battles.indices.filter(include)
        var memory = BattleMemory(dimension: dimension, expectedBattles: chosen.count)
        for index in chosen {
            let battle = battles[index]
            try memory.append(modelA: battle.modelA, modelB: battle.modelB, outcome: battle.winner, embedding: embedding(index),
                              time: battle.foughtAtSeconds)
        }
        return RoutingMemory(memory: memory, tierCount: tierCount, embedder: embedder)
    }
}
