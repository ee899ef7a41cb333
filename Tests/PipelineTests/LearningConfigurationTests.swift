import Foundation
import Testing
@testable import Pipeline

@Suite struct LearningConfigurationTests {
    private func load(_ text: String) throws(ConfigurationError) -> RouteLedgerConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("routeledger-learning-\(UUID().uuidString).json")
        try! Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try RouteLedgerConfiguration.load(file: url, environment: [:])
    }

    private static let base = """
        "models": [{"name": "a", "input_per_million": "1", "output_per_million": "2"},
                   {"name": "b", "input_per_million": "3", "output_per_million": "4"}],
        "routing": {"strong": "b", "weak": "a"}
        """

    @Test func theLearningSettingsAreReadAndADatabaseMemoryIsNamedAsSuch() throws {
        let configuration = try load("""
            {\(Self.base), "memory": "database",
             "learning": {"group_id": "learners", "elo_k": 16, "refit_every_votes": 50, "refit_interval_seconds": 30,
                          "bootstrap_rounds": 7, "query_wait_seconds": 5, "query_retention_hours": 2, "follow_interval_ms": 250,
                          "min_refit_interval_seconds": 45, "accept_unknown_models": true}}
            """)
        #expect(configuration.memoryIsDatabase)
        let learning = configuration.learning
        #expect(learning.groupID == "learners" && learning.eloK == 16 && learning.refitEveryVotes == 50)
        #expect(learning.refitIntervalSeconds == 30 && learning.bootstrapRounds == 7 && learning.queryWaitSeconds == 5)
        #expect(learning.queryRetentionHours == 2 && learning.followIntervalMilliseconds == 250)
        #expect(learning.minRefitIntervalSeconds == 45 && learning.acceptUnknownModels)
        #expect(try !load("{\(Self.base), \"memory\": \"database\"}").learning.acceptUnknownModels)
        #expect(try !load("{\(Self.base), \"memory\": \"./database\"}").memoryIsDatabase)
    }

    @Test func badLearningSettingsAreRefusedWithTheirPaths() {
        #expect {
            try load("""
                {\(Self.base), "memory": "database",
                 "learning": {"group_id": "", "elo_k": 0, "refit_every_votes": 0, "follow_interval_ms": -1, "refit": 3,
                              "min_refit_interval_seconds": -1, "accept_unknown_models": "yes"}}
                """)
        } throws: { error in
            let text = "\(error)"
            return ["learning.group_id", "learning.elo_k", "learning.refit_every_votes", "learning.follow_interval_ms",
                    "learning.min_refit_interval_seconds", "learning.accept_unknown_models",
                    "learning.refit: unknown setting"].allSatisfy(text.contains)
        }
    }
}
