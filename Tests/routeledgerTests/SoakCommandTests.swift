import Foundation
import Testing
import TestSupport

/// `routeledger soak` on a small scale: the run's bookkeeping and verdict, not its figures.
@Suite struct SoakCommandTests {
    @Test func aShortSoakDecidesEveryQueryAndItsLedgerAgrees() throws {
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("soak-test-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: workdir) }
        let result = try RouteLedgerTool.run(["soak", "--embedder", "hashing", "--battles", "300", "--minutes", "0.1", "--rate", "50",
                                              "--sample-seconds", "2", "--workdir", workdir.path, "--json"])
        let verdict = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.error)")
        let queries = try #require(verdict["queries"] as? Int)
        // Rounds of 100 queries (as many as fit in 6 s), every 50th malformed.
        #expect(queries >= 100 && queries % 100 == 0)
        #expect(verdict["planted_malformed"] as? Int == queries / 50 && verdict["dead_lettered"] as? Int == queries / 50)
        #expect(verdict["decisions"] as? Int == queries - queries / 50 && verdict["ledger_rows"] as? Int == queries - queries / 50)
        #expect(verdict["ledger_agrees_with_the_usage_reports"] as? Bool == true && verdict["no_error"] as? Bool == true)
        let passed = try #require(verdict["passed"] as? Bool)
        #expect(passed == (verdict["memory_flat"] as? Bool == true && verdict["lag_bounded"] as? Bool == true))
        #expect(result.status == (passed ? 0 : 1))
    }
}
