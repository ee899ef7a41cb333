import Embeddings
import Ranking

/// The battles of a memory directory in RAM, with their embeddings (row i belongs to battle i).
public struct LoadedBattles: Sendable {
    public let battles: [LabelledBattle]
    /// battles.count × dimension, each row of unit length.
    public let embeddings: [Float]
    public let dimension: Int
    public let embedder: EmbedderIdentity

    public init(battles: [LabelledBattle], embeddings: [Float], dimension: Int, embedder: EmbedderIdentity) {
        precondition(embeddings.count == battles.count * dimension, "one embedding per battle")
        self.battles = battles
        self.embeddings = embeddings
        self.dimension = dimension
        self.embedder = embedder
    }

    public func embedding(_ index: Int) -> ArraySlice<Float> {
        embeddings[(index * dimension)..<((index + 1) * dimension)]
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
