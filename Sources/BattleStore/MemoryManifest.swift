import Embeddings
import Foundation
import Ranking

/// The description of a memory directory, rewritten atomically at the end of every append: it
/// is the commit point. Bytes of the data files beyond the lengths it records belong to an
/// append that never finished and are ignored.
public struct MemoryManifest: Codable, Sendable, Equatable {
    public static let currentFormat = "routeledger-battle-memory/1"

    public var format: String
    /// The embedder every vector in the directory came from.
    public var embedder: EmbedderIdentity
    public var dimension: Int
    public var tierCount: Int
    /// Committed extent of `battles.jsonl` and `embeddings.f32`.
    public var battles: CommittedLength
    /// Committed extent of `prompt-cache.jsonl` and `prompt-cache.f32`.
    public var promptCache: CommittedLength
    /// Every model with battles, in order of first appearance, with its global rating and tier.
    public var models: [ModelStanding]
    /// Outcome counts per ordered pair of models: the global ratings depend on nothing else.
    public var outcomes: [PairOutcomes]
    /// Battles per source.
    public var sources: [String: Int]
    /// The kernel sharpness chosen on the memory's battles with its `tierCount` tiers
    /// (`SharpnessSelection`), which routers set to `auto` rank with; nil until an import chose
    /// one for the battles it counts (an append clears it).
    public var kernelSharpness: ManifestSharpness?
    public var updated: String

    init(embedder: EmbedderIdentity, dimension: Int, tierCount: Int) {
        format = Self.currentFormat
        self.embedder = embedder
        self.dimension = dimension
        self.tierCount = tierCount
        battles = CommittedLength()
        promptCache = CommittedLength()
        models = []
        outcomes = []
        sources = [:]
        updated = BattleTime.string(Date())
    }

    /// The γ chosen for this memory if it was chosen with `tierCount` tiers, the number a router
    /// ranks with; nil otherwise (a router set to `auto` then chooses at load).
    public func storedSharpness(tierCount: Int) -> Double? {
        tierCount == self.tierCount ? kernelSharpness?.selection.chosen : nil
    }

    /// Counts the battles in and refits the global ratings and tiers; the sharpness chosen on
    /// the battles before is forgotten.
    mutating func add(_ newBattles: [LabelledBattle]) {
        kernelSharpness = nil
        var modelIndex = Dictionary(uniqueKeysWithValues: models.enumerated().map { ($1.name, $0) })
        var pairIndex = Dictionary(uniqueKeysWithValues: outcomes.enumerated().map { (PairKey($1.modelA, $1.modelB), $0) })
        for battle in newBattles {
            for model in [battle.modelA, battle.modelB] {
                if let index = modelIndex[model] {
                    models[index].battles += 1
                } else {
                    modelIndex[model] = models.count
                    models.append(ModelStanding(name: model, battles: 1, rating: BradleyTerry.initialRating, tier: 0))
                }
            }
            let key = PairKey(battle.modelA, battle.modelB)
            if pairIndex[key] == nil {
                pairIndex[key] = outcomes.count
                outcomes.append(PairOutcomes(modelA: battle.modelA, modelB: battle.modelB))
            }
            outcomes[pairIndex[key]!].count(battle.winner)
            sources[battle.source, default: 0] += 1
        }
        refitStandings()
    }

    /// Global Bradley–Terry ratings from the outcome counts, and tiers from the ratings.
    mutating func refitStandings() {
        let modelIndex = Dictionary(uniqueKeysWithValues: models.enumerated().map { ($1.name, $0) })
        var counts = PairwiseCounts(playerCount: models.count)
        for pair in outcomes {
            let a = modelIndex[pair.modelA]!
            let b = modelIndex[pair.modelB]!
            for (outcome, number) in pair.counts where number > 0 {
                counts.add(IndexedBattle(a: a, b: b, outcome: outcome), weight: Double(number))
            }
        }
        let ratings = BradleyTerry.fitRatings(counts)
        let tiers = Tiers.assign(ratings: ratings, tierCount: tierCount)
        for index in models.indices {
            models[index].rating = ratings[index]
            models[index].tier = tiers[index]
        }
    }

    public var battleCount: Int { battles.entries }

    static func decode(_ bytes: [UInt8]) throws -> MemoryManifest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(MemoryManifest.self, from: Data(bytes))
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types into JSON cannot fail.
        return [UInt8](try! encoder.encode(self)) + [UInt8(ascii: "\n")]
    }
}

/// How far two parallel files (JSON lines, float32 rows) are committed.
public struct CommittedLength: Codable, Sendable, Equatable {
    public var entries = 0
    public var textBytes = 0
    public var floatBytes = 0
}

public struct ModelStanding: Codable, Sendable, Equatable {
    public var name: String
    public var battles: Int
    /// Global Bradley–Terry rating (Elo scale) over every battle in the memory.
    public var rating: Double
    /// 0 is the strongest tier.
    public var tier: Int
}

/// A kernel sharpness choice (`SharpnessSelection`) as the manifest keeps it.
public struct ManifestSharpness: Codable, Sendable, Equatable {
    public struct Score: Codable, Sendable, Equatable {
        public var sharpness: Double
        public var meanLogLikelihood: Double
        /// Mean per-prompt difference of the log-likelihood from γ = 1, and its standard error.
        public var gain: Double
        public var standardError: Double
    }

    public var chosen: Double
    public var heldOutPrompts: Int
    public var heldOutBattles: Int
    public var scores: [Score]

    public init(_ selection: SharpnessSelection) {
        chosen = selection.chosen
        heldOutPrompts = selection.heldOutPrompts
        heldOutBattles = selection.heldOutBattles
        scores = selection.scores.map {
            Score(sharpness: $0.sharpness, meanLogLikelihood: $0.meanLogLikelihood, gain: $0.gainOverRouteLLM, standardError: $0.standardError)
        }
    }

    public var selection: SharpnessSelection {
        SharpnessSelection(chosen: chosen, scores: scores.map {
            .init(sharpness: $0.sharpness, meanLogLikelihood: $0.meanLogLikelihood, gainOverRouteLLM: $0.gain, standardError: $0.standardError)
        }, heldOutPrompts: heldOutPrompts, heldOutBattles: heldOutBattles)
    }
}

public struct PairOutcomes: Codable, Sendable, Equatable {
    public var modelA: String
    public var modelB: String
    public var modelAWins = 0
    public var modelBWins = 0
    public var ties = 0
    public var tiesBothBad = 0

    init(modelA: String, modelB: String) {
        self.modelA = modelA
        self.modelB = modelB
    }

    mutating func count(_ outcome: BattleOutcome) {
        switch outcome {
        case .modelA: modelAWins += 1
        case .modelB: modelBWins += 1
        case .tie: ties += 1
        case .tieBothBad: tiesBothBad += 1
        }
    }

    var counts: [(BattleOutcome, Int)] {
        [(.modelA, modelAWins), (.modelB, modelBWins), (.tie, ties), (.tieBothBad, tiesBothBad)]
    }
}

private struct PairKey: Hashable {
    let a: String
    let b: String

    init(_ a: String, _ b: String) {
        self.a = a
        self.b = b
    }
}
