import Foundation
import Ledger
import Testing
@testable import Pipeline

@Suite struct BudgetConfigurationTests {
    private func load(_ budget: String) throws(ConfigurationError) -> RouteLedgerConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("routeledger-budget-\(UUID().uuidString).json")
        try! Data("""
            {"models": [{"name": "a", "input_per_million": "1", "output_per_million": "2"},
                        {"name": "b", "input_per_million": "3", "output_per_million": "4"}],
             "routing": {"strong": "b", "weak": "a"}, "memory": "m", "budget": \(budget)}
            """.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try RouteLedgerConfiguration.load(file: url, environment: [:])
    }

    @Test func theControllerIsOffUnlessEnabled() throws {
        #expect(try load(#"{"strong_share": 0.3}"#).budget == nil)
        #expect(try load(#"{"enabled": false, "usd_per_hour": "12.5", "max_step": 0.05}"#).budget == nil)
    }

    @Test func everySettingIsRead() throws {
        let budget = try #require(try load("""
            {"enabled": true, "usd_per_hour": "12.5", "window_seconds": 120, "max_window_decisions": 5000, "min_decisions": 50,
             "interval_seconds": 3, "max_step": 0.05, "min_change": 0.01, "min_threshold": 0.2, "max_threshold": 0.9}
            """).budget)
        #expect(budget.target == .spendPerHour(MicroUSD(microunits: 12_500_000)))
        #expect(budget.windowSeconds == 120 && budget.maxWindowDecisions == 5_000 && budget.minDecisions == 50)
        #expect(budget.intervalSeconds == 3 && budget.maxStep == 0.05 && budget.minChange == 0.01)
        #expect(budget.minThreshold == 0.2 && budget.maxThreshold == 0.9)
        let defaults = try #require(try load(#"{"enabled": true, "strong_share": 0.25}"#).budget)
        #expect(defaults == {
            var expected = BudgetSettings(target: .strongShare(0.25))
            expected.windowSeconds = 600
            return expected
        }())
    }

    @Test func badSettingsAreRefusedWithTheirPaths() {
        let cases: [(String, String)] = [
            (#"{"enabled": true}"#, "budget.strong_share: the budget controller needs a target"),
            (#"{"enabled": true, "strong_share": 0.3, "usd_per_hour": "1"}"#, "budget.strong_share: give strong_share or usd_per_hour"),
            (#"{"enabled": true, "usd_per_hour": 12.5}"#, "budget.usd_per_hour: expected a string"),
            (#"{"enabled": true, "usd_per_hour": "0.0000001"}"#, "budget.usd_per_hour: expected dollars per hour"),
            (#"{"enabled": true, "usd_per_hour": "-3"}"#, "budget.usd_per_hour: expected dollars per hour"),
            (#"{"enabled": true, "strong_share": 1.5}"#, "budget.strong_share: expected a number in 0.0...1.0"),
            (#"{"enabled": true, "strong_share": 0.3, "min_threshold": 0.8, "max_threshold": 0.4}"#, "budget.min_threshold: must be below"),
            (#"{"enabled": true, "strong_share": 0.3, "max_step": 0.01, "min_change": 0.02}"#, "budget.min_change: cannot exceed max_step"),
            (#"{"enabled": true, "strong_share": 0.3, "min_decisions": 500, "max_window_decisions": 100}"#, "budget.min_decisions: cannot exceed"),
            (#"{"enabled": true, "strong_share": 0.3, "window": 60}"#, "budget.window: unknown setting"),
            (#"{"enabled": "yes", "strong_share": 0.3}"#, "budget.enabled: expected true or false"),
        ]
        for (budget, expected) in cases {
            #expect("\(budget)", performing: { try load(budget) }, throws: { "\($0)".contains(expected) })
        }
    }
}
