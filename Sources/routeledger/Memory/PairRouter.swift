import BattleStore
import Embeddings
import Foundation
import Pipeline
import Ranking

/// A battle memory (a directory, or the battles table) loaded for routing between one strong
/// and one weak model: what `route` and `calibrate` share. Prompts already in the memory (its
/// battles or a directory's prompt cache) are not embedded again; nothing is written to it.
struct PairRouter {
    static let options: [Option] = MemorySource.options + [
        .value("strong", "MODEL", "Strong model (default: the configuration's routing.strong, else the memory's highest-rated model)."),
        .value("weak", "MODEL", "Weak model (default: the configuration's cheapest candidate, else the memory's lowest-rated model)."),
        MemorySource.tiersOption,
        KernelSharpness.option,
    ] + EmbedderChoice.memoryOptions

    let routing: RoutingMemory
    let strong: String
    let weak: String
    let rule: (strongTier: Int, weakTier: Int)
    /// γ of the kernel: as given, or with auto the memory's stored choice (else one made at load).
    let sharpness: Double
    private let sameTierRule: SameTierRule
    private let decay: TimeDecay?
    private var embeddings: PromptEmbeddings

    init(_ arguments: ParsedArguments) throws {
        let tiers = try arguments.int("tiers", range: 1...100)
        let configuration = try MemorySource.configuration(arguments)
        let setting = try MemorySource.kernelSharpness(arguments, configuration: configuration)
        let source = try MemorySource(arguments, configuration: configuration)
        let routing = try source.routingMemory(tiers: tiers)
        self.routing = routing
        sameTierRule = source.sameTierRule
        decay = source.decay()
        embeddings = source.embeddings
        let embedder = embeddings.embedder
        let byRating = routing.memory.models.indices.sorted { routing.globalRatings[$0] > routing.globalRatings[$1] }
        guard let best = byRating.first, let worst = byRating.last, best != worst else {
            throw CommandFailure("the memory needs battles between at least two models")
        }
        let named = MemorySource.pair(arguments, configuration: configuration)
        strong = named.strong ?? routing.memory.models[best]
        weak = named.weak ?? routing.memory.models[worst]
        guard strong != weak else { throw UsageError("--strong and --weak name the same model '\(strong)'") }
        do {
            rule = (try routing.tier(of: strong), try routing.tier(of: weak))
        } catch {
            throw UsageError(error.description)
        }
        let chosen = routing.sharpness(setting, stored: source.storedSharpness(tierCount: tiers ?? source.tierCount),
                                       sameTierRule: sameTierRule, decay: decay)
        sharpness = chosen.sharpness
        printSharpnessChoice(chosen.selectedNow)
        printStandardError("routing \(strong) (tier \(rule.strongTier)) against \(weak) (tier \(rule.weakTier)), "
                           + "\(routing.memory.count) battles of \(source.name), kernel sharpness \(KernelSharpness.fixed(sharpness)), "
                           + "embedder \(embedder.identity)\n")
        if rule.strongTier == rule.weakTier {
            printStandardError("warning: both models are in tier \(rule.strongTier): every query gets win rate 0.5; use more --tiers\n")
        }
    }

    /// Each prompt's tier ratings.
    mutating func tierRatings(_ prompts: [String]) throws -> [TierRatings] {
        let matrix = try embeddings.embeddings(for: prompts, cacheNew: false)
        return try routing.tierRatings(rows: Array(prompts.indices), of: matrix, sameTierRule: sameTierRule, decay: decay,
                                       sharpness: sharpness)
    }

    /// P(strong beats weak): the score the threshold is compared with.
    func strongWinRate(_ ratings: TierRatings) -> Double {
        ratings.winRate(ofTier: rule.strongTier, overTier: rule.weakTier)
    }

    /// RouteLLM's rule: strong iff the strong model's win rate reaches the threshold.
    func routesStrong(_ ratings: TierRatings, threshold: Double) -> Bool {
        RoutingRule(candidateTiers: [rule.weakTier, rule.strongTier], threshold: threshold).choose(ratings).candidate == 1
    }
}
