import Embeddings
import Ranking

/// How routing quality grows with votes: a held-out block of an evaluation set is routed, step
/// after step, by a router built from a starting memory plus the votes that have arrived so far
/// (global ratings, tiers and, with `auto`, the kernel sharpness fit on exactly those battles).
///
/// The battles a router may learn from are the starting memory's battles of prompts outside the
/// evaluation set, then the votes' battles in order of arrival. The held-out prompts' battles are
/// not among them at all, and a starting memory's battles of any evaluation prompt are left out
/// too (those prompts are learnt when their vote arrives, or never).
public struct LearningCurve: Sendable {
    /// One measurement: the router after `votes` votes, on the held-out block.
    public struct Step: Sendable {
        public let votes: Int
        /// Battles the router learnt from: the starting memory's and the votes'.
        public let battles: Int
        /// False when the router cannot tell the queries apart: the strong or the weak model has
        /// no battle yet, or every query scores the same (both models in one tier, or no battle
        /// that separates them). Its figures are then the random router's (one that sends
        /// queries strong without knowing which), not those of RouteLLM's tie rule, which sends
        /// every tied query strong and so would give PGR 1 at any share.
        public let ranks: Bool
        public let figures: RouterFigures
        /// PGR at `LearningCurve.reportedShare` strong calls.
        public let pgr: Double
        /// The kernel sharpness the router ranked with (γ = 0 weighs every battle alike, so it
        /// cannot rank); nil when it had no battle of a model.
        public let sharpness: Double?
    }

    /// The strong-call share whose PGR a learning curve reports beside APGR.
    public static let reportedShare = 0.4

    /// The battles routers learn from, starting memory first.
    public let battles: LoadedBattles
    /// Per battle, the vote it arrives with (0-based), or -1 for the starting memory.
    private let arrival: [Int]
    public let arrivals: VoteArrival
    /// The held-out block: the rows of the pair whose prompt is held out.
    private let heldOutRows: [Int]
    private let pair: RoutedPairSet
    private let pairEmbeddings: FloatMatrix

    /// `votes` are the evaluation set's battles (as the importers make them), `embedding` gives
    /// the embedding of each of their prompts and the pair's, `pair` the strong and weak
    /// qualities of its queries with their embeddings in `pairEmbeddings` (row i is query i).
    public init(start: LoadedBattles, votes: [LabelledBattle], embedding: [String: ArraySlice<Float>], pair: RoutedPairSet,
                pairEmbeddings: FloatMatrix, arrivals: VoteArrival) {
        precondition(pairEmbeddings.rows == pair.prompts.count, "one embedding per query of the pair")
        let position = Dictionary(uniqueKeysWithValues: arrivals.arrivals.enumerated().map { ($1, $0) })
        let evaluationPrompts = Set(votes.map(\.prompt)).union(arrivals.heldOut).union(arrivals.arrivals)
        var kept: [LabelledBattle] = []
        var values: [Float] = []
        var arrival: [Int] = []
        for index in start.battles.indices where !evaluationPrompts.contains(start.battles[index].prompt) {
            kept.append(start.battles[index])
            values += start.embedding(index)
            arrival.append(-1)
        }
        for battle in votes {
            guard let vote = position[battle.prompt] else { continue }
            kept.append(battle)
            values += embedding[battle.prompt]!
            arrival.append(vote)
        }
        battles = LoadedBattles(battles: kept, embeddings: values, dimension: start.dimension, embedder: start.embedder)
        self.arrival = arrival
        self.arrivals = arrivals
        heldOutRows = pair.prompts.indices.filter { arrivals.heldOut.contains(pair.prompts[$0]) }
        self.pair = pair
        self.pairEmbeddings = pairEmbeddings
    }

    /// Queries in the held-out block.
    public var heldOutQueries: Int { heldOutRows.count }

    /// The battles (indices into `battles`) a router learns from after `votes` votes.
    public func battleIndices(afterVotes votes: Int) -> [Int] {
        battles.battles.indices.filter { arrival[$0] < votes }
    }

    /// The router after `votes` votes, measured on the held-out block.
    public func step(afterVotes votes: Int, strong: String, weak: String, tierCount: Int, sameTierRule: SameTierRule = .exclude,
                     decay: TimeDecay? = nil, sharpness: KernelSharpness = .routeLLM) throws -> Step {
        let included = Set(battleIndices(afterVotes: votes))
        let routing = try battles.routingMemory(tierCount: tierCount) { included.contains($0) }
        let strongQuality = heldOutRows.map { pair.strongQuality[$0] }
        let weakQuality = heldOutRows.map { pair.weakQuality[$0] }
        var values: [Float] = []
        values.reserveCapacity(heldOutRows.count * pairEmbeddings.columns)
        for row in heldOutRows { values += pairEmbeddings.row(row) }
        let queries = FloatMatrix(rows: heldOutRows.count, columns: pairEmbeddings.columns, values: values)
        let result: SWScoring.Result?
        do {
            result = try SWScoring.score(embeddings: queries, routing: routing, strong: strong, weak: weak, sameTierRule: sameTierRule,
                                         decay: decay, sharpness: sharpness)
        } catch is UnknownModel {
            result = nil
        }
        guard let result, let router = result.folds.first, result.scores.contains(where: { $0 != result.scores[0] }) else {
            let count = Double(heldOutRows.count)
            let (strongOnly, weakOnly) = (strongQuality.reduce(0, +) / count, weakQuality.reduce(0, +) / count)
            let random = RouterFigures.randomExpectation(strongOnly: strongOnly, weakOnly: weakOnly)
            let gap = strongOnly != weakOnly
            return Step(votes: votes, battles: included.count, ranks: false, figures: random, pgr: gap ? Self.reportedShare : 0,
                        sharpness: result?.folds.first?.sharpness)
        }
        let evaluation = RoutingEvaluation(scores: result.scores, strongQuality: strongQuality, weakQuality: weakQuality)
        return Step(votes: votes, battles: included.count, ranks: true, figures: RouterFigures(evaluation),
                    pgr: evaluation.pgr(atStrongShare: Self.reportedShare), sharpness: router.sharpness)
    }
}
