import Ranking

/// The router alone — no Kafka, JSON or embedding — routing the same queries in batches again
/// and again: what `bench sw` reports, and the baseline of `bench pipeline`.
struct RouterTiming {
    let queries: Int
    let queriesPerSecond: Double
    let phaseFigures: [(String, Any)]

    /// Routes the queries repeatedly (after one warm-up pass) until `seconds` have passed.
    static func measure(_ queries: FloatMatrix, ranker: SimilarityWeightedRanker, batch: Int,
                        seconds: Double, workspace: RankingWorkspace) throws -> RouterTiming {
        _ = try rankAll(queries, ranker: ranker, batch: batch, workspace: workspace)
        let profile = RankingProfile()
        let clock = ContinuousClock()
        let started = clock.now
        var routed = 0
        repeat {
            _ = try rankAll(queries, ranker: ranker, batch: batch, workspace: workspace, profile: profile)
            routed += queries.rows
        } while (clock.now - started).seconds < seconds
        let elapsed = (clock.now - started).seconds
        let phases = RankingProfile.Phase.allCases.map { phase in
            ("\(phase.rawValue)_seconds_per_1000_queries", (profile.durations[phase] ?? .zero).seconds * 1000 / Double(routed)) as (String, Any)
        }
        return RouterTiming(queries: routed, queriesPerSecond: Double(routed) / elapsed, phaseFigures: phases)
    }

    /// Every query's tier ratings, `batch` queries per call.
    static func rankAll(_ queries: FloatMatrix, ranker: SimilarityWeightedRanker, batch: Int,
                        workspace: RankingWorkspace, profile: RankingProfile? = nil) throws -> [TierRatings] {
        var results: [TierRatings] = []
        results.reserveCapacity(queries.rows)
        for start in stride(from: 0, to: queries.rows, by: batch) {
            let end = min(start + batch, queries.rows)
            let slice = FloatMatrix(rows: end - start, columns: queries.columns,
                                    values: Array(queries.values[(start * queries.columns)..<(end * queries.columns)]))
            results += try ranker.rank(slice, workspace: workspace, profile: profile)
        }
        return results
    }
}
