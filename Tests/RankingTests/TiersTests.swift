import Testing
@testable import Ranking

@Suite struct TiersTests {
    @Test func clustersOfRatingsBecomeTiersStrongestFirst() {
        let ratings = [1000.0, 2000, 1501, 1001, 1500]
        #expect(Tiers.assign(ratings: ratings, tierCount: 3) == [2, 0, 1, 2, 1])
    }

    @Test func fewerModelsThanTiersGivesEachModelItsOwnTier() {
        #expect(Tiers.assign(ratings: [900, 1100, 1000], tierCount: 10) == [2, 0, 1])
        #expect(Tiers.assign(ratings: [], tierCount: 3) == [])
    }

    @Test func oneTierHoldsEveryone() {
        #expect(Tiers.assign(ratings: [1, 5, 3, 9], tierCount: 1) == [0, 0, 0, 0])
    }

    /// The programme is exact: on random ratings its summed within-tier variance equals the best
    /// over every way of cutting the sorted ratings into contiguous tiers.
    @Test func matchesExhaustiveSearchOnRandomRatings() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<30 {
            let count = Int.random(in: 4...9, using: &generator)
            let tierCount = Int.random(in: 2...4, using: &generator)
            let sorted = (0..<count).map { _ in Double.random(in: 800...1300, using: &generator) }.sorted(by: >)
            let tiers = Tiers.tiersOfSorted(sorted, tierCount: tierCount)
            #expect(abs(cost(sorted, tiers) - bestCost(sorted, tierCount: tierCount)) < 1e-9)
            #expect(Set(tiers).count == tierCount)
        }
    }

    private func cost(_ values: [Double], _ tiers: [Int]) -> Double {
        Dictionary(grouping: values.indices, by: { tiers[$0] }).values.map { members in
            let group = members.map { values[$0] }
            let mean = group.reduce(0, +) / Double(group.count)
            return group.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(group.count)
        }.reduce(0, +)
    }

    /// Every choice of tierCount − 1 cut points among the gaps.
    private func bestCost(_ values: [Double], tierCount: Int) -> Double {
        var best = Double.infinity
        func search(start: Int, remaining: Int, tiers: [Int]) {
            if remaining == 1 {
                best = min(best, cost(values, tiers + Array(repeating: tierCount - 1, count: values.count - start)))
                return
            }
            for end in start..<(values.count - remaining + 1) {
                let tier = tierCount - remaining
                search(start: end + 1, remaining: remaining - 1, tiers: tiers + Array(repeating: tier, count: end - start + 1))
            }
        }
        search(start: 0, remaining: tierCount, tiers: [])
        return best
    }
}
