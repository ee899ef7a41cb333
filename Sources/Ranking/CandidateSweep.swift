/// The multi-model routing rule (`RoutingRule`) at every threshold at once: for each query its
/// candidates' answers (quality and cost) and its tier ratings, and for every threshold at which
/// some query's choice changes, what the rule then spends and gets. RouterBench's operating
/// points of a many-model router, from which AIQ is taken.
///
/// A query's choice changes only where the threshold passes one of the reference's win rates over
/// a cheaper candidate (the rule asks whether a win rate is below the threshold), so the sweep
/// visits those values in order and asks the rule again for the queries each one concerns.
public struct CandidateSweep: Sendable {
    public struct Query: Sendable {
        public let ratings: TierRatings
        /// Tier of each candidate, cheapest first, the reference last (as `RoutingRule` takes them).
        public let candidateTiers: [Int]
        /// Per candidate: the quality of its answer and what the answer costs (an integer unit,
        /// such as micro-dollars, so that sums are exact).
        public let quality: [Double]
        public let cost: [Int64]

        public init(ratings: TierRatings, candidateTiers: [Int], quality: [Double], cost: [Int64]) {
            precondition(quality.count == candidateTiers.count && cost.count == candidateTiers.count, "a quality and a cost per candidate")
            self.ratings = ratings
            self.candidateTiers = candidateTiers
            self.quality = quality
            self.cost = cost
        }
    }

    /// What the rule does at one threshold, over all the queries.
    public struct OperatingPoint: Sendable, Equatable {
        public let threshold: Double
        public let totalCost: Int64
        public let meanQuality: Double
        /// Queries each candidate answers.
        public let answered: [Int]
    }

    /// By rising threshold: the first (0) gives every query to the reference, the last to the
    /// cheapest candidate.
    public let points: [OperatingPoint]
    /// Every query answered by one candidate: its total cost and mean quality.
    public let singleModels: [(totalCost: Int64, meanQuality: Double)]

    public init(queries: [Query]) {
        precondition(!queries.isEmpty, "a sweep needs queries")
        let candidates = queries[0].candidateTiers.count
        precondition(queries.allSatisfy { $0.candidateTiers.count == candidates }, "every query has the same candidates")
        let queryCount = Double(queries.count)
        singleModels = (0..<candidates).map { candidate in
            (queries.reduce(0) { $0 + $1.cost[candidate] }, queries.reduce(0) { $0 + $1.quality[candidate] } / queryCount)
        }

        var choice = queries.map { RoutingRule(candidateTiers: $0.candidateTiers, threshold: 0).choose($0.ratings) }
        var answered = [Int](repeating: 0, count: candidates)
        var totalCost: Int64 = 0
        var qualities = [Double](repeating: 0, count: candidates)
        func tally(_ query: Int, _ candidate: Int, _ sign: Int) {
            answered[candidate] += sign
            totalCost += Int64(sign) * queries[query].cost[candidate]
            qualities[candidate] += Double(sign) * queries[query].quality[candidate]
        }
        for (query, chosen) in choice.enumerated() { tally(query, chosen.candidate, 1) }
        // Summed per candidate, so that a candidate answering nothing adds exactly nothing.
        func point(_ threshold: Double) -> OperatingPoint {
            OperatingPoint(threshold: threshold, totalCost: totalCost,
                           meanQuality: zip(qualities, answered).reduce(0) { $0 + ($1.1 == 0 ? 0 : $1.0) } / queryCount, answered: answered)
        }
        var points = [point(0)]

        let crossings = choice.enumerated().flatMap { query, chosen in
            Set(chosen.referenceWinRates.dropLast()).map { (winRate: $0, query: query) }
        }.sorted { ($0.winRate, $0.query) < ($1.winRate, $1.query) }
        var next = 0
        while next < crossings.count {
            let winRate = crossings[next].winRate
            // The least threshold above this win rate: the win rate no longer clears it.
            let threshold = winRate.nextUp
            while next < crossings.count && crossings[next].winRate == winRate {
                let query = crossings[next].query
                tally(query, choice[query].candidate, -1)
                choice[query] = RoutingRule(candidateTiers: queries[query].candidateTiers, threshold: threshold).choose(queries[query].ratings)
                tally(query, choice[query].candidate, 1)
                next += 1
            }
            points.append(point(threshold))
        }
        self.points = points
    }
}
