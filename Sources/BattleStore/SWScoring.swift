import Ranking

/// The SW router's score of a query for a strong/weak pair: the strong model's win rate over the
/// weak one from the query's tier ratings, P(strong tier beats weak tier).
public enum SWScoring {
    /// Queries are ranked this many at a time: the similarity block of a batch against 100,000
    /// battles is then 100 MB.
    public static let batchSize = 256

    public struct Result: Sendable {
        /// One per query, in order.
        public let scores: [Double]
        /// Per fold (one entry without cross-validation): battles the router learnt from and the
        /// tiers of the two models in it.
        public let folds: [FoldRouter]
    }

    public struct FoldRouter: Sendable, Equatable {
        public let queries: Int
        public let battles: Int
        public let strongTier: Int
        public let weakTier: Int
        /// The kernel sharpness it ranked with.
        public let sharpness: Double
    }

    /// Scores every query; with `validation`, each query by a router built only from the battles
    /// its fold may learn from (global ratings and tiers refit on them too, and with `auto` the
    /// kernel sharpness chosen on them). Without it the whole memory routes, with `auto` at
    /// `storedSharpness` (the memory's own choice) if there is one.
    public static func score(prompts: [String], embeddings: FloatMatrix, battles: LoadedBattles, strong: String, weak: String,
                             tierCount: Int, sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil,
                             sharpness: KernelSharpness = .routeLLM, storedSharpness: Double? = nil,
                             validation: CrossValidation?) throws -> Result {
        precondition(embeddings.rows == prompts.count, "one embedding per prompt")
        guard let validation else {
            return try score(embeddings: embeddings, routing: try battles.routingMemory(tierCount: tierCount), strong: strong, weak: weak,
                             sameTierRule: sameTierRule, decay: decay, sharpness: sharpness, storedSharpness: storedSharpness)
        }
        var scores = [Double](repeating: .nan, count: prompts.count)
        var routers: [FoldRouter] = []
        for fold in 0..<validation.folds {
            let rows = prompts.indices.filter { validation.fold(of: prompts[$0]) == fold }
            let routing = try battles.routingMemory(tierCount: tierCount) {
                validation.trains(fold, battlePrompt: battles.battles[$0].prompt)
            }
            // The fold's own prompts have no battles here, so they take no part in choosing γ.
            let (foldScores, router) = try scoreRows(
                rows, embeddings: embeddings, routing: routing, strong: strong, weak: weak, sameTierRule: sameTierRule, decay: decay,
                sharpness: routing.sharpness(sharpness, stored: nil, sameTierRule: sameTierRule, decay: decay).sharpness)
            for (row, score) in zip(rows, foldScores) { scores[row] = score }
            routers.append(router)
        }
        return Result(scores: scores, folds: routers)
    }

    /// Scores every query (a row of `embeddings`) with one router, whose ratings and tiers may
    /// come from elsewhere (a ratings version), with `auto` at `storedSharpness` (the memory's
    /// own choice) if there is one.
    public static func score(embeddings: FloatMatrix, routing: RoutingMemory, strong: String, weak: String,
                             sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil, sharpness: KernelSharpness = .routeLLM,
                             storedSharpness: Double? = nil) throws -> Result {
        let (scores, router) = try scoreRows(
            Array(0..<embeddings.rows), embeddings: embeddings, routing: routing, strong: strong, weak: weak, sameTierRule: sameTierRule,
            decay: decay, sharpness: routing.sharpness(sharpness, stored: storedSharpness, sameTierRule: sameTierRule, decay: decay).sharpness)
        return Result(scores: scores, folds: [router])
    }

    private static func scoreRows(_ rows: [Int], embeddings: FloatMatrix, routing: RoutingMemory, strong: String, weak: String,
                                  sameTierRule: SameTierRule, decay: TimeDecay?, sharpness: Double) throws -> ([Double], FoldRouter) {
        let strongTier = try routing.tier(of: strong)
        let weakTier = try routing.tier(of: weak)
        let ratings = try routing.tierRatings(rows: rows, of: embeddings, sameTierRule: sameTierRule, decay: decay, sharpness: sharpness)
        let scores = ratings.map { $0.winRate(ofTier: strongTier, overTier: weakTier) }
        return (scores, FoldRouter(queries: rows.count, battles: routing.memory.count, strongTier: strongTier, weakTier: weakTier,
                                   sharpness: sharpness))
    }
}

extension RoutingMemory {
    /// Tier ratings for the given rows of a matrix of query embeddings, ranked in batches.
    public func tierRatings(rows: [Int], of queries: FloatMatrix, sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil,
                            sharpness: Double = 1, workspace: RankingWorkspace = RankingWorkspace()) throws -> [TierRatings] {
        let ranker = ranker(sameTierRule: sameTierRule, decay: decay, sharpness: sharpness)
        var ratings: [TierRatings] = []
        ratings.reserveCapacity(rows.count)
        for start in stride(from: 0, to: rows.count, by: SWScoring.batchSize) {
            let batchRows = rows[start..<min(start + SWScoring.batchSize, rows.count)]
            var values: [Float] = []
            values.reserveCapacity(batchRows.count * queries.columns)
            for row in batchRows { values += queries.row(row) }
            ratings += try ranker.rank(FloatMatrix(rows: batchRows.count, columns: queries.columns, values: values), workspace: workspace)
        }
        return ratings
    }
}
