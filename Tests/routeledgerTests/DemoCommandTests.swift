import Foundation
import Testing
@testable import routeledger

/// The quick start's main job, as the README runs it (smaller, and with the hashing embedder).
@Suite struct DemoCommandTests {
    @Test func theDemoRoutesEveryQueryAndFollowsTheGroundTruth() throws {
        let executable = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        let process = Process()
        process.executableURL = executable
        process.arguments = ["demo", "--embedder", "hashing", "--battles", "600", "--queries", "300", "--json"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
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
        let cost = try #require(Double(summary["estimated_cost_usd"] as? String ?? ""))
        let reference = try #require(Double(summary["strong_only_cost_usd"] as? String ?? ""))
        #expect(cost < reference)
    }
}
