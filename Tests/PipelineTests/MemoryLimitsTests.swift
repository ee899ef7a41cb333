import Foundation
import Testing
@testable import Pipeline

@Suite struct MemoryLimitsTests {
    private let times: [Double] = [10, 50, .nan, 40, 30, 20]
    private let sources = ["arena", "votes", "arena", "votes", "arena", "votes"]

    @Test func keepsEverythingByDefault() {
        #expect(MemoryLimits().keptBattles(times: times, sources: sources) == [0, 1, 2, 3, 4, 5])
    }

    @Test func aTotalCapKeepsTheNewest() {
        var limits = MemoryLimits()
        limits.maxBattles = 3
        #expect(limits.keptBattles(times: times, sources: sources) == [1, 3, 4])
    }

    /// Unknown times count as oldest; a per-source cap applies before the total cap.
    @Test func perSourceCapsKeepEachSourcesNewest() {
        var limits = MemoryLimits()
        limits.maxBattlesPerSource = ["arena": 1, "votes": 2]
        #expect(limits.keptBattles(times: times, sources: sources) == [1, 3, 4])
        limits.maxBattlesPerSource = ["votes": 0]
        #expect(limits.keptBattles(times: times, sources: sources) == [0, 2, 4])
    }

    @Test func theConfigurationReadsTheLimits() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).json")
        try Data("""
            {"models": [{"name": "s", "input_per_million": "1", "output_per_million": "1"},
                        {"name": "w", "input_per_million": "0.1", "output_per_million": "0.1"}],
             "routing": {"strong": "s", "weak": "w"}, "memory": "m",
             "memory_limits": {"max_battles": 1000, "max_battles_per_source": {"votes": 200}, "half_life_hours": 72}}
            """.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try RouteLedgerConfiguration.load(file: file, environment: [:])
        #expect(configuration.memoryLimits.maxBattles == 1_000)
        #expect(configuration.memoryLimits.maxBattlesPerSource == ["votes": 200])
        #expect(configuration.memoryLimits.halfLifeHours == 72)
    }
}
