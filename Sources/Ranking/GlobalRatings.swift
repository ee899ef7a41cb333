import Dispatch

/// Ratings of all models over all battles (unweighted), and their bootstrap intervals as
/// LMArena publishes them: refit on battles resampled with replacement, then take quantiles.
public enum GlobalRatings {
    public static func fit(_ battles: [IndexedBattle], modelCount: Int) -> [Double] {
        var counts = PairwiseCounts(playerCount: modelCount)
        for battle in battles { counts.add(battle) }
        return BradleyTerry.fitRatings(counts)
    }

    public struct Interval: Sendable, Equatable {
        public let lower: Double
        public let median: Double
        public let upper: Double
    }

    /// One interval per model at the given confidence. Round r draws its resample from a
    /// generator seeded with (seed, r), so the answer depends on the seed alone, not on how the
    /// rounds were spread over threads.
    public static func bootstrapIntervals(_ battles: [IndexedBattle], modelCount: Int, rounds: Int,
                                          seed: UInt64, confidence: Double = 0.95) -> [Interval] {
        precondition(rounds >= 1 && confidence > 0 && confidence < 1)
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: rounds * modelCount)
        defer { results.deallocate() }
        let output = SendableBuffer(results)
        DispatchQueue.concurrentPerform(iterations: rounds) { round in
            var generator = SeededGenerator(seed: seed ^ (UInt64(round) &* 0xD1B5_4A32_D192_ED03))
            var counts = PairwiseCounts(playerCount: modelCount)
            if !battles.isEmpty {
                for _ in battles.indices {
                    counts.add(battles[Int.random(in: 0..<battles.count, using: &generator)])
                }
            }
            let ratings = BradleyTerry.fitRatings(counts)
            for model in 0..<modelCount { output[round * modelCount + model] = ratings[model] }
        }
        let tail = (1 - confidence) / 2
        return (0..<modelCount).map { model in
            let samples = (0..<rounds).map { results[$0 * modelCount + model] }.sorted()
            return Interval(lower: linearQuantile(sorted: samples, tail),
                            median: linearQuantile(sorted: samples, 0.5),
                            upper: linearQuantile(sorted: samples, 1 - tail))
        }
    }
}

/// A buffer that concurrent workers write at disjoint indices.
struct SendableBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>

    init(_ base: UnsafeMutableBufferPointer<Element>) {
        self.base = base
    }

    subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}
