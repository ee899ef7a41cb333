import Ranking

/// The SW router's score of a query for a strong/weak pair: the strong model's win rate over the
/// weak one from the query's tier ratings, P(strong tier beats weak tier).
public enum SWScoring {
    /// How cross-validation pools its folds' scores into one list, over which one threshold
    /// sweeps.
    public enum FoldPooling: String, Sendable, CaseIterable {
        /// Each fold's win rates as they are: one threshold is one win rate in every fold.
        case winRate = "win-rate"
        /// Each fold's win rates replaced by their quantiles within the fold: one threshold sends
        /// the same share of every fold to the strong model, as routers that each calibrate their
        /// threshold to a strong share would. For a single router this changes nothing (APGR and
        /// CPT depend only on the order of its scores); across folds it takes out the differences
        /// of scale between their routers — a sharper kernel spreads its win rates wider, and a
        /// fold's memory, missing that fold's prompts, leans slightly against them.
        case quantile
    }

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

    /// The tier ratings of the queries a router ranked: its rows of the query matrix, the memory
    /// it learnt from (whose tiers name the models) and the kernel sharpness it ranked with.
    public struct FoldRatings: Sendable {
        public let rows: [Int]
        public let routing: RoutingMemory
        public let sharpness: Double
        /// One per row, in order.
        public let ratings: [TierRatings]
    }

    /// Scores every query; with `validation`, each query by a router built only from the battles
    /// its fold may learn from (global ratings and tiers refit on them too, and with `auto` the
    /// kernel sharpness chosen on them). Without it the whole memory routes, with `auto` at
    /// `storedSharpness` (the memory's own choice) if there is one.
    public static func score(prompts: [String], embeddings: FloatMatrix, battles: LoadedBattles, strong: String, weak: String,
                             tierCount: Int, sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil,
                             sharpness: KernelSharpness = .routeLLM, storedSharpness: Double? = nil,
                             validation: CrossValidation?, pooling: FoldPooling = .winRate) throws -> Result {
        guard let validation else {
            return try score(embeddings: embeddings, routing: try battles.routingMemory(tierCount: tierCount), strong: strong, weak: weak,
                             sameTierRule: sameTierRule, decay: decay, sharpness: sharpness, storedSharpness: storedSharpness)
        }
        var scores = [Double](repeating: .nan, count: prompts.count)
        var routers: [FoldRouter] = []
        for fold in try ratings(prompts: prompts, embeddings: embeddings, battles: battles, of: [strong, weak], tierCount: tierCount,
                                sameTierRule: sameTierRule, decay: decay, sharpness: sharpness, validation: validation) {
            let (foldScores, router) = try pairScores(fold, strong: strong, weak: weak)
            for (row, score) in zip(fold.rows, pooling == .quantile ? quantiles(foldScores) : foldScores) { scores[row] = score }
            routers.append(router)
        }
        return Result(scores: scores, folds: routers)
    }

    /// Each value's mid-rank quantile among `values`: (how many are smaller + half of the equal
    /// ones, itself included) / count, in (0, 1).
    static func quantiles(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var quantiles = [Double](repeating: 0, count: values.count)
        var groupStart = 0
        while groupStart < order.count {
            var groupEnd = groupStart + 1
            while groupEnd < order.count && values[order[groupEnd]] == values[order[groupStart]] { groupEnd += 1 }
            let quantile = (Double(groupStart) + Double(groupEnd - groupStart) / 2) / Double(values.count)
            for position in groupStart..<groupEnd { quantiles[order[position]] = quantile }
            groupStart = groupEnd
        }
        return quantiles
    }

    /// Scores every query (a row of `embeddings`) with one router, whose ratings and tiers may
    /// come from elsewhere (a ratings version), with `auto` at `storedSharpness` (the memory's
    /// own choice) if there is one.
    public static func score(embeddings: FloatMatrix, routing: RoutingMemory, strong: String, weak: String,
                             sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil, sharpness: KernelSharpness = .routeLLM,
                             storedSharpness: Double? = nil) throws -> Result {
        let fold = try ratings(embeddings: embeddings, routing: routing, of: [strong, weak], sameTierRule: sameTierRule, decay: decay,
                               sharpness: sharpness, storedSharpness: storedSharpness)
        let (scores, router) = try pairScores(fold, strong: strong, weak: weak)
        return Result(scores: scores, folds: [router])
    }

    /// Per fold of `validation`, the tier ratings of its queries from a router built only from the
    /// battles the fold may learn from (global ratings, tiers and, with `auto`, the kernel
    /// sharpness fit on them). Throws `UnknownModel` when a fold's battles lack one of `models`.
    public static func ratings(prompts: [String], embeddings: FloatMatrix, battles: LoadedBattles, of models: [String], tierCount: Int,
                               sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil, sharpness: KernelSharpness = .routeLLM,
                               validation: CrossValidation) throws -> [FoldRatings] {
        precondition(embeddings.rows == prompts.count, "one embedding per prompt")
        return try (0..<validation.folds).map { fold in
            let rows = prompts.indices.filter { validation.fold(of: prompts[$0]) == fold }
            let routing = try battles.routingMemory(tierCount: tierCount) {
                validation.trains(fold, battlePrompt: battles.battles[$0].prompt)
            }
            // The fold's own prompts have no battles here, so they take no part in choosing γ.
            return try ratings(rows: rows, embeddings: embeddings, routing: routing, of: models, sameTierRule: sameTierRule, decay: decay,
                               sharpness: routing.sharpness(sharpness, stored: nil, sameTierRule: sameTierRule, decay: decay).sharpness)
        }
    }

    /// The tier ratings of every query (a row of `embeddings`) from one router, with `auto` at
    /// `storedSharpness` if there is one. Throws `UnknownModel` when the memory lacks one of `models`.
    public static func ratings(embeddings: FloatMatrix, routing: RoutingMemory, of models: [String], sameTierRule: SameTierRule = .exclude,
                               decay: TimeDecay? = nil, sharpness: KernelSharpness = .routeLLM,
                               storedSharpness: Double? = nil) throws -> FoldRatings {
        try ratings(rows: Array(0..<embeddings.rows), embeddings: embeddings, routing: routing, of: models, sameTierRule: sameTierRule,
                    decay: decay,
                    sharpness: routing.sharpness(sharpness, stored: storedSharpness, sameTierRule: sameTierRule, decay: decay).sharpness)
    }

    private static func ratings(rows: [Int], embeddings: FloatMatrix, routing: RoutingMemory, of models: [String],
                                sameTierRule: SameTierRule, decay: TimeDecay?, sharpness: Double) throws -> FoldRatings {
        // A model without battles is refused before any ranking.
        for model in models { _ = try routing.tier(of: model) }
        let ratings = try routing.tierRatings(rows: rows, of: embeddings, sameTierRule: sameTierRule, decay: decay, sharpness: sharpness)
        return FoldRatings(rows: rows, routing: routing, sharpness: sharpness, ratings: ratings)
    }

    private static func pairScores(_ fold: FoldRatings, strong: String, weak: String) throws -> ([Double], FoldRouter) {
        let strongTier = try fold.routing.tier(of: strong)
        let weakTier = try fold.routing.tier(of: weak)
        let scores = fold.ratings.map { $0.winRate(ofTier: strongTier, overTier: weakTier) }
        return (scores, FoldRouter(queries: fold.rows.count, battles: fold.routing.memory.count, strongTier: strongTier, weakTier: weakTier,
                                   sharpness: fold.sharpness))
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
