import Foundation
import Testing
import TestSupport

/// How `routeledger` settles OpenBLAS before its first product: it re-executes itself with the
/// kernel for this CPU and a short spin for OpenBLAS's idle threads, and respects either variable
/// when it is already set. Seen from outside, in the line every benchmark starts with.
@Suite struct BLASKernelTests {
    /// The first line `bench sw` prints on the small reference set, with `OPENBLAS_CORETYPE` and
    /// `OPENBLAS_THREAD_TIMEOUT` removed from the environment and `extra` added.
    private func blasLine(adding extra: [String: String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        for name in ["OPENBLAS_CORETYPE", "OPENBLAS_THREAD_TIMEOUT", "ROUTELEDGER_OPENBLAS_CORETYPE_CHOSEN"] { environment[name] = nil }
        let result = try RouteLedgerTool.run(["bench", "sw", "--reference", try SharedFixtures.url("reference/sw/small").path],
                                             environment: environment.merging(extra) { $1 })
        #expect(result.status == 0, "\(result.error)")
        return result.error.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test func idleThreadsSpinBrieflyUnlessTheEnvironmentSaysOtherwise() throws {
        let chosen = try blasLine(adding: [:])
        #expect(chosen.contains("(chosen from the CPU flags)") && chosen.hasSuffix("idle threads spin 2^20 cycles"), "\(chosen)")
        let told = try blasLine(adding: ["OPENBLAS_THREAD_TIMEOUT": "7"])
        #expect(told.hasSuffix("idle threads spin 2^7 cycles"), "\(told)")
    }

    /// OpenBLAS holds the setting to 4...30 and reads anything but a positive number as its
    /// default; the line says what it does, not what was written.
    @Test func aSpinSettingOpenBLASWouldNotTakeIsReportedAsWhatItDoes() throws {
        #expect(try blasLine(adding: ["OPENBLAS_THREAD_TIMEOUT": "fast"]).hasSuffix("idle threads spin 2^28 cycles"))
        #expect(try blasLine(adding: ["OPENBLAS_THREAD_TIMEOUT": "2"]).hasSuffix("idle threads spin 2^4 cycles"))
        #expect(try blasLine(adding: ["OPENBLAS_THREAD_TIMEOUT": "99"]).hasSuffix("idle threads spin 2^30 cycles"))
    }
}
