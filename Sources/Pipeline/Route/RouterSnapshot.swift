import Embeddings
import Foundation
import Ranking

/// Everything a batch is routed with, fixed for the batch: the ranker over the battle memory,
/// the tiers, the candidates and the threshold. The route stage swaps in a new snapshot
/// between batches when the memory or the ratings change, so a batch never sees half an update.
public struct RouterSnapshot: Sendable {
    public static let routerKind = "sw-ranking"

    public let ranker: SimilarityWeightedRanker
    /// The kernel sharpness chosen on the memory while this snapshot was built (`auto`, and no
    /// choice stored for the memory); nil when the γ was configured or stored.
    public let sharpnessSelection: SharpnessSelection?
    public let ratingsVersion: String
    /// The router's own threshold: as configured, or calibrated for this ratings version. A
    /// route stage's `ThresholdSource` decides whether a batch uses it.
    public let threshold: Double
    /// What the threshold was calibrated on (`routing.strong_share`): recent live queries, or the
    /// memory's prompts; nil when it was given or configured.
    public let calibratedOn: String?
    /// The strong-up-to of the live sample it was built with (a route stage's latest queries,
    /// at a new ratings version), for that stage's window to take; nil without one.
    let liveScores: LiveTraffic.Scores?
    /// Candidate model names, cheapest first; the last is the reference (strong) model.
    public let candidates: [String]
    /// Configured candidates without battles yet, which a router following the battles table
    /// takes up when a ratings version gives them a tier.
    public let waitingCandidates: [String]
    private let tierOfCandidate: [String: Int]
    /// The tiers of the candidates routed now, cheapest first, the reference last.
    private let candidateTiers: [Int]

    /// Fits global ratings and tiers over the memory's battles, then prepares the ranker.
    /// Refuses a configuration whose models have no battles in the memory (they have no tier).
    public init(memory: BattleMemory, configuration: RouteLedgerConfiguration, ratingsVersion: String) throws(RouterSetupError) {
        try self.init(memory: memory, tierOfModel: GlobalTiers(of: memory, tierCount: configuration.routing.tiers).tierOfModel, configuration: configuration, ratingsVersion: ratingsVersion)
    }

    public init(memory: BattleMemory, tierOfModel: [Int], configuration: RouteLedgerConfiguration,
                ratingsVersion: String, storedSharpness: Double? = nil) throws(RouterSetupError) {
        try self.init(rankerMemory: memory.groupedByMatchup(), tierOfModel: tierOfModel, configuration: configuration,
                      ratingsVersion: ratingsVersion, threshold: nil, storedSharpness: storedSharpness)
    }

    /// Ranks over `rankerMemory` as it is (a memory that follows the learn stage groups itself
    /// now and then, not at every swap). A given `threshold` replaces the configured one, so a
    /// snapshot with a few more battles keeps its predecessor's calibration instead of paying
    /// for a new one. With `routing.kernel_sharpness: auto` it ranks with `storedSharpness`, the
    /// γ chosen for this memory before (its ratings version's, its manifest's), or chooses one
    /// now when there is none. A `liveSample` (a route stage's latest queries) is scored under
    /// the new router (`liveScores`), and a `routing.strong_share` is calibrated on it when it
    /// holds at least `routing.live_minimum` queries — the traffic being routed, not the prompts
    /// the memory happens to hold — else on the memory's prompts. Either way on each query's
    /// strong-up-to over every candidate routed now (`RoutingRule.strongUpTo`), so the share
    /// holds with three candidates as with two.
    init(rankerMemory memory: BattleMemory, tierOfModel: [Int], configuration: RouteLedgerConfiguration,
         ratingsVersion: String, threshold given: Double?, storedSharpness: Double? = nil,
         liveSample: LiveTraffic.Sample? = nil) throws(RouterSetupError) {
        let routing = configuration.routing
        let configured = configuration.routingCandidates
        let missing = configured.filter { memory.index(ofModel: $0) == nil }
        // A router following the battles table takes up a configured candidate once the learn
        // stage's ratings give it a tier (its first battles): until then it routes among the
        // others, as long as the reference and one cheaper model are there.
        let mayWait = configuration.memoryIsDatabase && !missing.contains(routing.strong) && configured.count - missing.count >= 2
        guard missing.isEmpty || mayWait else {
            // A memory directory's battles are read by configured names; the battles table's are not.
            let aliases = Dictionary(configuration.models.filter { missing.contains($0.name) }
                .compactMap { model in model.aliases.first { memory.index(ofModel: $0) != nil }.map { (model.name, $0) } },
                uniquingKeysWith: { first, _ in first })
            throw .modelsWithoutBattles(missing, memoryModels: memory.models, underAliases: aliases)
        }
        let decay = configuration.memoryLimits.decay()
        let (sharpness, selectedNow) = routing.kernelSharpness.resolved(stored: storedSharpness) {
            SharpnessSelection(memory: memory, tierOfModel: tierOfModel, sameTierRule: routing.sameTierRule, decay: decay)
        }
        ranker = SimilarityWeightedRanker(memory: memory, tierOfModel: tierOfModel, sameTierRule: routing.sameTierRule, decay: decay,
                                          sharpness: sharpness)
        sharpnessSelection = selectedNow
        self.ratingsVersion = ratingsVersion
        candidates = configured.filter { !missing.contains($0) }
        waitingCandidates = missing
        let tierOfCandidate = Dictionary(uniqueKeysWithValues: candidates.map { ($0, tierOfModel[memory.index(ofModel: $0)!]) })
        self.tierOfCandidate = tierOfCandidate
        let candidateTiers = candidates.map { tierOfCandidate[$0]! }
        self.candidateTiers = candidateTiers
        var liveScores: LiveTraffic.Scores?
        if let liveSample {
            liveScores = LiveTraffic.Scores(window: liveSample.window, first: liveSample.first,
                                            strongUpTo: try Self.strongUpTo(of: liveSample.queries, ranker: ranker, candidateTiers: candidateTiers))
        }
        self.liveScores = liveScores
        switch (given, routing.threshold) {
        case (let value?, _), (nil, .fixed(let value)):
            threshold = value
            calibratedOn = nil
        case (nil, .strongShare(let share)):
            let strongUpTo: [Double]
            if let live = liveScores?.strongUpTo, live.count >= routing.liveMinimum {
                strongUpTo = live
                calibratedOn = "\(live.count) recent queries"
            } else {
                strongUpTo = try Self.memoryStrongUpTo(ranker: ranker, candidateTiers: candidateTiers)
                calibratedOn = "the memory's prompts"
            }
            threshold = ThresholdCalibration.threshold(winRates: strongUpTo, strongShare: share)
        }
    }

    /// The share of the memory's prompts (the sample calibration uses) that the router's own
    /// threshold sends to the strong model: a threshold that sends nearly all or nearly none
    /// of them wastes money or quality, whatever the traffic.
    public func memoryStrongShare() throws(RouterSetupError) -> Double {
        ThresholdCalibration.strongShare(winRates: try Self.memoryStrongUpTo(ranker: ranker, candidateTiers: candidateTiers),
                                         threshold: threshold)
    }

    /// The highest threshold at which this router gives a query of these ratings to the
    /// reference model, every candidate allowed.
    func strongUpTo(_ ratings: TierRatings) -> Double {
        RoutingRule(candidateTiers: candidateTiers, threshold: threshold).strongUpTo(ratings)
    }

    /// The routing rule for one query at `threshold`: all candidates, or those of them the query allows.
    func rule(allowing allowed: [String]?, threshold: Double) -> (rule: RoutingRule, candidates: [String]) {
        var names = candidates
        if let allowed {
            let permitted = Set(allowed)
            names = candidates.filter(permitted.contains)
        }
        return (RoutingRule(candidateTiers: names.map { tierOfCandidate[$0]! }, threshold: threshold), names)
    }

    /// Without enough live traffic, the memory's own prompts stand in for it: up to 2,000 of
    /// them (an even spread), each with its strong-up-to.
    private static func memoryStrongUpTo(ranker: SimilarityWeightedRanker, candidateTiers: [Int]) throws(RouterSetupError) -> [Double] {
        let memory = ranker.memory
        guard memory.count > 0 else { throw .emptyMemory }
        let sample = Array(stride(from: 0, to: memory.promptCount, by: max(1, memory.promptCount / 2_000)).prefix(2_000))
        var values: [Float] = []
        values.reserveCapacity(sample.count * memory.dimension)
        for prompt in sample { values += memory.promptEmbedding(prompt) }
        return try strongUpTo(of: FloatMatrix(rows: sample.count, columns: memory.dimension, values: values), ranker: ranker,
                              candidateTiers: candidateTiers)
    }

    /// Each query's strong-up-to: the lowest win rate of the reference over the cheaper candidates.
    private static func strongUpTo(of queries: FloatMatrix, ranker: SimilarityWeightedRanker,
                                   candidateTiers: [Int]) throws(RouterSetupError) -> [Double] {
        let rule = RoutingRule(candidateTiers: candidateTiers, threshold: 0)
        do {
            return try ranker.rank(queries).map(rule.strongUpTo)
        } catch {
            throw .calibrationFailed("\(error)")
        }
    }
}

public enum RouterSetupError: Error, Equatable, CustomStringConvertible {
    /// Configured models the memory has no battles of, the models it has, and the alias each
    /// missing model has battles under, if any.
    case modelsWithoutBattles([String], memoryModels: [String], underAliases: [String: String] = [:])
    case emptyMemory
    case calibrationFailed(String)

    public var description: String {
        switch self {
        case .modelsWithoutBattles(let models, _, let aliases) where !aliases.isEmpty:
            "the battle memory has no battles of \(models.map { "'\($0)'" }.joined(separator: ", ")) under their configured names, "
                + "only under aliases (\(aliases.sorted { $0.key < $1.key }.map { "'\($0.value)'" }.joined(separator: ", "))), "
                + "which the battles table does not read as theirs: store them under the configured names "
                + "(routeledger import --database … "
                + aliases.sorted { $0.key < $1.key }.map { "--rename \($0.value)=\($0.key)" }.joined(separator: " ") + ")"
        case .modelsWithoutBattles(let models, let memoryModels, _):
            "the battle memory has no battles of \(models.map { "'\($0)'" }.joined(separator: ", ")), so they cannot be ranked; "
                + (memoryModels.isEmpty ? "it has no battles at all: import battles of every configured model"
                   : "its models, closest to '\(models[0])' first: \(closestNames(to: models[0], among: memoryModels).prefix(10).joined(separator: ", "))"
                   + (memoryModels.count > 10 ? ", … (\(memoryModels.count) in all)" : "")
                   + " (name a configured model as the memory does, or import battles of it)")
        case .emptyMemory:
            "the battle memory is empty: a strong share cannot be calibrated on it"
        case .calibrationFailed(let reason):
            "scoring a sample of prompts for the strong share failed: \(reason)"
        }
    }
}
