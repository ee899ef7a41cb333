/// Groups players into tiers by rating: the exact dynamic programme of RouteLLM over the ratings
/// sorted from high to low, minimising the summed population variance within tiers.
public enum Tiers {
    /// The tier of every player, 0 being the strongest. With no more players than tiers, every
    /// player is a tier of its own (tiers 0..<players.count).
    public static func assign(ratings: [Double], tierCount: Int) -> [Int] {
        precondition(tierCount >= 1, "tierCount must be at least 1")
        let n = ratings.count
        // Stable descending order: equal ratings keep their input order.
        let order = ratings.indices.sorted { ratings[$0] > ratings[$1] || (ratings[$0] == ratings[$1] && $0 < $1) }
        var tierOfPlayer = [Int](repeating: 0, count: n)
        if n <= tierCount {
            for (position, player) in order.enumerated() { tierOfPlayer[player] = position }
            return tierOfPlayer
        }
        let tierOfPosition = tiersOfSorted(order.map { ratings[$0] }, tierCount: tierCount)
        for (position, player) in order.enumerated() { tierOfPlayer[player] = tierOfPosition[position] }
        return tierOfPlayer
    }

    /// The programme on already sorted ratings, with RouteLLM's tie-breaking (the first split
    /// point that reaches the minimum wins).
    static func tiersOfSorted(_ sorted: [Double], tierCount m: Int) -> [Int] {
        let n = sorted.count
        let variance = segmentVariances(sorted)
        // best[t][j]: least summed variance of sorted[0...j] in t + 1 tiers.
        var best = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        var split = [[Int]](repeating: [Int](repeating: 0, count: n), count: m)
        for j in 0..<n { best[0][j] = variance[0][j] }
        for t in 1..<m {
            for j in 1..<n {
                best[t][j] = .infinity
                for l in 0..<j {
                    let candidate = best[t - 1][l] + variance[l + 1][j]
                    if best[t][j] > candidate {
                        best[t][j] = candidate
                        split[t][j] = l
                    }
                }
            }
        }
        var lastOfTier = [Int]()
        var end = n
        for t in stride(from: m - 1, through: 1, by: -1) {
            let s = split[t][end - 1]
            lastOfTier.append(s)
            end = s + 1
        }
        lastOfTier.reverse()
        lastOfTier.append(n - 1)
        var tiers = [Int](repeating: 0, count: n)
        var start = 0
        for (tier, last) in lastOfTier.enumerated() where last >= start {
            for position in start...last { tiers[position] = tier }
            start = last + 1
        }
        return tiers
    }

    /// variance[i][j]: population variance of values[i...j] (Welford's update, accurate for
    /// ratings near 1000 whose spread is small).
    static func segmentVariances(_ values: [Double]) -> [[Double]] {
        let n = values.count
        var variance = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            var mean = 0.0
            var squares = 0.0
            for j in i..<n {
                let count = Double(j - i + 1)
                let delta = values[j] - mean
                mean += delta / count
                squares += delta * (values[j] - mean)
                variance[i][j] = squares / count
            }
        }
        return variance
    }
}

/// The global Bradley–Terry ratings of every model of a memory over all its battles, and the
/// tiers they fall into: what RouteLLM's SW ranking fits once per memory before weighing.
public struct GlobalTiers: Sendable, Equatable {
    /// Indexed like `memory.models`.
    public let ratings: [Double]
    /// Indexed like `memory.models`; 0 is the strongest tier.
    public let tierOfModel: [Int]

    public init(of memory: BattleMemory, tierCount: Int) {
        ratings = GlobalRatings.fit((0..<memory.count).map(memory.battle), modelCount: memory.models.count)
        tierOfModel = Tiers.assign(ratings: ratings, tierCount: tierCount)
    }
}
