import Embeddings
import Ranking

/// Everything the SW router needs to start: the battle memory, the global ratings of its
/// models over all its battles, their tiers, and the embedder that its vectors (and so every
/// query's) come from.
public struct RoutingMemory: Sendable {
    public let memory: BattleMemory
    /// Indexed like `memory.models`.
    public let globalRatings: [Double]
    /// Indexed like `memory.models`; 0 is the strongest tier.
    public let tierOfModel: [Int]
    public let embedder: EmbedderIdentity

    /// The battles are kept grouped by matchup: order means nothing to the router, and grouped
    /// battles are weighed faster.
    public init(memory: BattleMemory, tierCount: Int, embedder: EmbedderIdentity) {
        self.memory = memory.groupedByMatchup()
        let tiers = GlobalTiers(of: memory, tierCount: tierCount)
        globalRatings = tiers.ratings
        tierOfModel = tiers.tierOfModel
        self.embedder = embedder
    }

    /// A memory whose ratings and tiers were fit elsewhere (a ratings version of the battles
    /// table), ranked in the order given.
    public init(memory: BattleMemory, globalRatings: [Double], tierOfModel: [Int], embedder: EmbedderIdentity) {
        precondition(globalRatings.count == memory.models.count && tierOfModel.count == memory.models.count, "one rating and tier per model")
        self.memory = memory
        self.globalRatings = globalRatings
        self.tierOfModel = tierOfModel
        self.embedder = embedder
    }

    public func tier(of model: String) throws(UnknownModel) -> Int {
        guard let index = memory.index(ofModel: model) else {
            throw UnknownModel(model: model, known: memory.models)
        }
        return tierOfModel[index]
    }

    public func ranker(sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil, sharpness: Double = 1) -> SimilarityWeightedRanker {
        SimilarityWeightedRanker(memory: memory, tierOfModel: tierOfModel, sameTierRule: sameTierRule, decay: decay, sharpness: sharpness)
    }

    /// The γ to rank this memory with: the fixed one, or with `auto` the one `stored` for it, else
    /// one chosen on it now (returned, to be told).
    public func sharpness(_ setting: KernelSharpness, stored: Double?, sameTierRule: SameTierRule = .exclude,
                          decay: TimeDecay? = nil) -> (sharpness: Double, selectedNow: SharpnessSelection?) {
        setting.resolved(stored: stored) {
            SharpnessSelection(memory: memory, tierOfModel: tierOfModel, sameTierRule: sameTierRule, decay: decay)
        }
    }
}

public struct UnknownModel: Error, Sendable, Equatable, CustomStringConvertible {
    public let model: String
    public let known: [String]

    public var description: String {
        "model '\(model)' has no battles in the memory (it knows \(known.sorted().joined(separator: ", ")))"
    }
}

extension MemoryDirectory {
    /// Loads the memory for routing, with the tier count of the manifest unless another is given.
    public func routingMemory(tierCount: Int? = nil) throws -> RoutingMemory {
        try load().routingMemory(tierCount: tierCount ?? manifest.tierCount)
    }
}
