import Foundation
import Testing
import TestSupport
@testable import routeledger

/// The quick start's main job, as the README runs it (smaller, and with the hashing embedder).
@Suite struct DemoCommandTests {
    /// Runs `routeledger demo` with `arguments` in a fresh work folder; returns its JSON summary.
    private static func demo(_ arguments: [String], inspect: (URL) throws -> Void = { _ in }) throws -> [String: Any] {
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-test-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: workdir) }
        let result = try RouteLedgerTool.run(["demo", "--embedder", "hashing", "--workdir", workdir.path, "--json"] + arguments)
        try #require(result.status == 0, "demo failed: \(result.error)")
        try inspect(workdir)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    @Test func theDemoRoutesEveryQueryLearnsTheVotesAndStopsWhatItStarted() throws {
        let summary = try Self.demo(["--battles", "600", "--queries", "300"]) { workdir in
            let plot = try String(contentsOfFile: workdir.appendingPathComponent("cost-quality.svg").path, encoding: .utf8)
            #expect(plot.contains("<svg") && plot.contains("SW router"))
            // The private cluster is stopped: its server removes its pid file on the way out.
            #expect(!FileManager.default.fileExists(atPath: workdir.appendingPathComponent("postgres/data/postmaster.pid").path))
        }
        // Every 50th of 300 events is malformed: 6 dead letters, 294 decisions, each answered.
        #expect(summary["requests"] as? Int == 294)
        #expect(summary["dead_lettered"] as? Int == 6)
        #expect(summary["usage_reports"] as? Int == 294)
        let share = try #require(summary["strong_share"] as? Double)
        #expect(share > 0.1 && share < 0.9)
        // Proofs, where the strong model wins 90 %, go strong far more often than chat (35 %).
        let proofs = try #require(summary["topic_proofs_strong_share"] as? Double)
        let chat = try #require(summary["topic_chat_strong_share"] as? Double)
        #expect(proofs > chat + 0.3)
        let cost = try #require(Decimal(string: summary["actual_cost_usd"] as? String ?? ""))
        let reference = try #require(Decimal(string: summary["strong_only_cost_usd"] as? String ?? ""))
        let savings = try #require(Decimal(string: summary["savings_usd"] as? String ?? ""))
        #expect(cost < reference && reference - cost == savings)
        // The totals come from the ledger, which matches the workers' reports to the micro-dollar.
        #expect(summary["ledger_agrees_with_the_usage_reports"] as? Bool == true)
        // Routing on the truth's signal beats a random router that spends the same.
        let quality = try #require(summary["quality"] as? Double)
        #expect(quality > (summary["quality_random_router_at_same_cost"] as? Double ?? 1))

        // About one answer in ten gets a vote, every 20th vote malformed; the router ends up
        // holding every learned vote as a battle, under a newer ratings version.
        let learned = try #require(summary["votes_learned"] as? Int)
        let refused = try #require(summary["votes_dead_lettered"] as? Int)
        #expect(learned > 10 && refused == (learned + refused) / 20)
        #expect(summary["router_battles_at_end"] as? Int == 600 + learned)
        #expect(summary["router_ratings_version_at_end"] as? String != "ratings-1")
    }

    /// With --data, battles and queries are MMLU questions, and quality is accuracy: between the
    /// weak model's and the strong model's on the same queries (68 % and 81 % over all of MMLU).
    @Test func theDemoOnRouteLLMsMMLUAnswers() throws {
        let data = try SharedFixtures.directory().appendingPathComponent("data")
        let summary = try Self.demo(["--data", data.path, "--battles", "400", "--queries", "200"])
        #expect(summary["requests"] as? Int == 196)
        let strongOnly = try #require(summary["quality_strong_only"] as? Double)
        let weakOnly = try #require(summary["quality_weak_only"] as? Double)
        let quality = try #require(summary["quality"] as? Double)
        #expect(strongOnly > 0.7 && strongOnly < 0.9 && weakOnly > 0.55 && weakOnly < 0.8)
        #expect(quality >= min(weakOnly, strongOnly) - 0.05 && quality <= max(weakOnly, strongOnly) + 0.05)
        #expect(summary["topic_proofs_strong_share"] == nil)
    }
}
