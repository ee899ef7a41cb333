import Foundation
import Testing
import TestSupport

/// `bench pipeline` as a user runs it, on a small scale.
@Suite struct BenchPipelineCommandTests {
    /// Every timed event is decided, none refused, and the figures are consistent numbers.
    @Test func benchPipelineDecidesEveryEventAndReportsItsBaseline() throws {
        let result = try RouteLedgerTool.run(["bench", "pipeline", "--events", "300", "--warmup", "64", "--battles", "500",
                                              "--dim", "16", "--batch", "64", "--partitions", "4", "--json"])
        try #require(result.status == 0, "bench failed: \(result.error)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let timed = try #require(figures["events"] as? Int)
        // The clock starts on a batch boundary past the warm-up, so up to one batch may fall before it.
        #expect(timed > 300 - 64 && timed <= 300)
        #expect(figures["rejected"] as? Int == 0)
        let rate = try #require(figures["events_per_second"] as? Double)
        let alone = try #require(figures["router_alone_queries_per_second"] as? Double)
        let ratio = try #require(figures["ratio_to_router_alone"] as? Double)
        #expect(rate > 0 && alone > 0 && abs(ratio - rate / alone) < 1e-9 * ratio)
        let p50 = try #require(figures["batch_latency_p50_ms"] as? Double)
        let p99 = try #require(figures["batch_latency_p99_ms"] as? Double)
        #expect(p50 > 0 && p50 <= p99)
    }

    @Test func benchPipelineRefusesAMiniLMRunWithoutPrompts() throws {
        let result = try RouteLedgerTool.run(["bench", "pipeline", "--embedder", "minilm"])
        #expect(result.status == 2 && result.error.contains("--prompts"))
    }
}
