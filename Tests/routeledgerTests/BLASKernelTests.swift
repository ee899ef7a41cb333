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
        let routeledger = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        let reference = try SharedFixtures.url("reference/sw/small")
        let process = Process()
        process.executableURL = routeledger
        process.arguments = ["bench", "sw", "--reference", reference.path]
        var environment = ProcessInfo.processInfo.environment
        for name in ["OPENBLAS_CORETYPE", "OPENBLAS_THREAD_TIMEOUT", "ROUTELEDGER_OPENBLAS_CORETYPE_CHOSEN"] { environment[name] = nil }
        process.environment = environment.merging(extra) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let printed = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)")
        return printed.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test func idleThreadsSpinBrieflyUnlessTheEnvironmentSaysOtherwise() throws {
        let chosen = try blasLine(adding: [:])
        #expect(chosen.contains("(chosen from the CPU flags)") && chosen.hasSuffix("idle threads spin 2^20 cycles"), "\(chosen)")
        let told = try blasLine(adding: ["OPENBLAS_THREAD_TIMEOUT": "7"])
        #expect(told.hasSuffix("idle threads spin 2^7 cycles"), "\(told)")
    }
}
