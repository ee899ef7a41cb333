import BattleStore
import Foundation
import Testing
@testable import routeledger

/// `import`, `route`, `calibrate` and `eval` run as a user runs them: the built tool in its own
/// process, on small hand-made files.
@Suite final class MemoryCommandsTests {
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("memory-commands-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ lines: [String]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url.path
    }

    private func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Six battles on three prompts: the strong model wins on code, loses on chit-chat.
    private func makeMemory() throws -> String {
        let memory = folder.appendingPathComponent("memory").path
        let battles = try write("battles.jsonl", [
            json(["prompt": "Write a Python function that merges two sorted lists.", "model_a": "big", "model_b": "small", "winner": "model_a"]),
            json(["prompt": "Write a Python function that merges two sorted lists.", "model_a": "small", "model_b": "mid", "winner": "model_b"]),
            json(["prompt": "Say hello to my friend Anna.", "model_a": "big", "model_b": "small", "winner": "tie"]),
            "{\"prompt\": \"broken",
            json(["prompt": "Say hello to my friend Anna.", "model_a": "mid", "model_b": "big", "winner": "big"]),
            json(["prompt": "Implement quicksort in C and explain its complexity.", "model_a": "big", "model_b": "small", "winner": "model_a"]),
            json(["prompt": "Implement quicksort in C and explain its complexity.", "model_a": "mid", "model_b": "small", "winner": "tie (bothbad)"]),
        ])
        let result = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--memory", memory, "--embedder", "minilm", battles])
        try #require(result.status == 0, "import failed: \(result.error)")
        #expect(result.error.contains("battles.jsonl:4: "))
        #expect(result.output.contains("battles_kept") && result.output.contains("memory_battles"))
        return memory
    }

    @Test func importBuildsTheMemoryAndReportsBadRows() throws {
        let memory = try makeMemory()
        let directory = try MemoryDirectory.open(URL(fileURLWithPath: memory))
        #expect(directory.manifest.battleCount == 6)
        #expect(directory.manifest.models.map(\.name) == ["big", "small", "mid"])
        #expect(directory.manifest.models.first { $0.name == "big" }?.tier == 0)
        #expect(try directory.loadPromptCache().count == 3)
    }

    @Test func anImportWithNothingUsableFailsAndCreatesNothing() throws {
        let memory = folder.appendingPathComponent("empty").path
        let bad = try write("bad.jsonl", ["not json", json(["prompt": "p", "model_a": "x", "model_b": "x", "winner": "tie"])])
        let result = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--memory", memory, "--embedder", "minilm", bad])
        #expect(result.status == 1)
        #expect(result.error.contains("bad.jsonl:1: ") && result.error.contains("bad.jsonl:2: "))
        #expect(!FileManager.default.fileExists(atPath: memory + "/manifest.json"))
        #expect(try RouteLedgerTool.run(["import", "--format", "csv-ish", "--memory", memory, bad]).status == 2)
    }

    @Test func routeWritesOneDecisionPerPromptFollowingTheThreshold() throws {
        let memory = try makeMemory()
        let input = [json(["prompt": "Write a Rust function that reverses a string.", "id": "a"]), "oops",
                     json(["prompt": "Say good morning to Bob.", "id": 7]), json(["prompt": "Implement a hash map in C."])]
        let result = try RouteLedgerTool.run(["route", "--memory", memory, "--strong", "big", "--weak", "small", "--threshold", "0.6"],
                                             input: input.joined(separator: "\n"))
        #expect(result.status == 0)
        #expect(result.error.contains("stdin:2: "))
        let decisions = try result.output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(decisions.map { $0["line"] as? Int } == [1, 3, 4])
        #expect(decisions[0]["id"] as? String == "a" && decisions[1]["id"] as? Int == 7 && decisions[2]["id"] == nil)
        for decision in decisions {
            let rate = try #require(decision["strong_win_rate"] as? Double)
            #expect((decision["routed_to"] as? String == "strong") == (rate >= 0.6))
            #expect(decision["model"] as? String == (rate >= 0.6 ? "big" : "small"))
        }
    }

    /// Calibration is NumPy's linear quantile of the win rates at 1 − share; the win rates are
    /// those `route` reports.
    @Test func calibrateAndRouteAgreeOnTheShare() throws {
        let memory = try makeMemory()
        let prompts = ["Write a Rust function that reverses a string.", "Say good morning to Bob.", "Implement a hash map in C.",
                       "Tell my friend Anna I said hi.", "Explain mergesort's complexity."]
        let input = prompts.map { json(["prompt": $0]) }.joined(separator: "\n")
        let routed = try RouteLedgerTool.run(["route", "--memory", memory, "--strong", "big", "--weak", "small", "--threshold", "0"], input: input)
        let rates = try routed.output.split(separator: "\n").map {
            try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["strong_win_rate"] as? Double)
        }.sorted()
        #expect(Set(rates).count == 5)
        let position = (1 - 0.4) * 4  // the 0.6-quantile of five values lies between the 3rd and 4th
        let expected = rates[2] + (rates[3] - rates[2]) * (position - 2)
        let calibrated = try RouteLedgerTool.run(["calibrate", "--memory", memory, "--strong", "big", "--weak", "small",
                                                  "--strong-share", "0.4", "--json"], input: input)
        #expect(calibrated.status == 0)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(calibrated.output.utf8)) as? [String: Any])
        let threshold = try #require(figures["threshold"] as? Double)
        #expect(abs(threshold - expected) < 1e-12)
        #expect(figures["strong_share"] as? Double == 0.4)
        let shared = try RouteLedgerTool.run(["route", "--memory", memory, "--strong", "big", "--weak", "small", "--strong-share", "0.4"],
                                             input: input)
        #expect(shared.output.components(separatedBy: "\"routed_to\":\"strong\"").count - 1 == 2)
    }

    @Test func evalReportsBothRoutersAsJSONAndDrawsTheFigure() throws {
        let memory = try makeMemory()
        let evalSet = try write("eval.jsonl", [
            json(["prompt": "Write a Python function that merges two sorted lists.", "quality": ["big": 1, "small": 0]]),
            json(["prompt": "Say hello to my friend Anna.", "quality": ["big": true, "small": true]]),
            json(["prompt": "Implement quicksort in C and explain its complexity.", "quality": ["big": 1, "small": 0]]),
            json(["prompt": "Only one model here.", "quality": ["big": 1]]),
        ])
        let plot = folder.appendingPathComponent("curve.svg").path
        let result = try RouteLedgerTool.run(["eval", "--memory", memory, "--eval", evalSet, "--strong", "big", "--weak", "small",
                                              "--folds", "3", "--json", "--plot", plot])
        #expect(result.status == 0, "\(result.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(report["queries"] as? Int == 3 && report["left_out"] as? Int == 1 && report["folds"] as? Int == 3)
        // Strong-only: (1 + 1 + 1) / 3; weak-only: 1 / 3.
        #expect(abs((report["strong_only"] as? Double ?? 0) - 1) < 1e-12)
        #expect(abs((report["weak_only"] as? Double ?? 0) - 1.0 / 3) < 1e-12)
        for router in ["sw", "random"] {
            let figures = try #require(report[router] as? [String: Any])
            for key in ["apgr", "apgr_trapezoid", "cpt50", "cpt80", "aiq", "pgr20", "pgr50", "pgr80"] {
                #expect(figures[key] is Double, "\(router).\(key)")
            }
            let curve = try #require(figures["curve"] as? [[String: Double]])
            #expect(curve.first?["strong_percent"] == 0 && curve.last?["strong_percent"] == 100)
        }
        let random = try #require(report["random"] as? [String: Any])
        #expect(abs((random["apgr"] as? Double ?? 0) - 0.55) < 1e-12 && random["cpt50"] as? Double == 50)
        // The random mixture's AIQ: the mean of weak-only and strong-only, (1/3 + 1) / 2.
        #expect(abs((random["aiq"] as? Double ?? 0) - 2.0 / 3) < 1e-12)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("<polyline"))
    }

    /// An import killed with SIGKILL at moments spread over its run (most of them late, while it
    /// appends) leaves a memory that opens and holds either none or all of its battles.
    @Test func aKilledImportLeavesTheMemoryAsBeforeOrAfter() throws {
        let memory = try makeMemory()
        let url = URL(fileURLWithPath: memory)
        let prompts = try MemoryDirectory.open(url).load().battles.map(\.prompt)
        // Prompts already embedded: the run is reading, counting and appending 5,000 battles.
        let lines = (0..<5_000).map { index in
            json(["prompt": prompts[index % prompts.count], "model_a": "big", "model_b": "small",
                  "winner": index.isMultiple(of: 3) ? "tie" : "model_a"])
        }
        let file = try write("many.jsonl", lines)
        let arguments = ["import", "--format", "battles-jsonl", "--memory", memory, "--embedder", "minilm", file]
        let clock = ContinuousClock()
        let started = clock.now
        #expect(try RouteLedgerTool.run(arguments).status == 0)
        let fullRun = (clock.now - started).seconds
        var expected = 6 + 5_000
        for fraction in [0.5, 0.8, 0.9, 0.95, 1.0] {
            let process = try RouteLedgerTool.start(arguments)
            Thread.sleep(forTimeInterval: fullRun * fraction)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let directory = try MemoryDirectory.open(url)
            #expect(try directory.load().battles.count == directory.manifest.battleCount)
            #expect([expected, expected + 5_000].contains(directory.manifest.battleCount))
            expected = directory.manifest.battleCount
        }
        #expect(try RouteLedgerTool.run(arguments).status == 0)
        let final = try MemoryDirectory.open(url)
        #expect(final.manifest.battleCount == expected + 5_000)
        let size = try FileManager.default.attributesOfItem(atPath: memory + "/battles.jsonl")[.size] as? Int
        #expect(size == final.manifest.battles.textBytes)
    }

    @Test func misusesAreUsageErrors() throws {
        let memory = try makeMemory()
        #expect(try RouteLedgerTool.run(["route", "--memory", memory, "--threshold", "0.5", "--strong-share", "0.5"]).status == 2)
        #expect(try RouteLedgerTool.run(["route", "--memory", memory, "--threshold", "1.5"]).status == 2)
        #expect(try RouteLedgerTool.run(["route", "--memory", memory, "--strong", "nobody", "--threshold", "0.5"], input: "").status == 2)
        #expect(try RouteLedgerTool.run(["eval", "--memory", memory, "--eval", "x.jsonl", "--weak", "small"]).status == 2)
        #expect(try RouteLedgerTool.run(["calibrate", "--memory", memory]).status == 2)
        let missing = try RouteLedgerTool.run(["calibrate", "--memory", folder.appendingPathComponent("none").path, "--strong-share", "0.5"])
        #expect(missing.status == 1 && missing.error.contains("not a battle memory"))
    }
}

/// The built `routeledger` tool, run as a child process.
enum RouteLedgerTool {
    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    /// Starts the tool with its output discarded.
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func executable() throws -> URL {
        let executable = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the routeledger tool first")
        return executable
    }

    /// Runs the tool to the end; `environment`, when given, replaces the test's own.
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Both output pipes are drained while the tool runs, so neither can fill up and block it.
        let collected = OutputCollector(stdout.fileHandleForReading, stderr.fileHandleForReading)
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        let (output, error) = collected.wait()
        return Result(status: process.terminationStatus, output: output, error: error)
    }

    private final class OutputCollector: @unchecked Sendable {
        private var output = Data()
        private var error = Data()
        private let group = DispatchGroup()

        init(_ out: FileHandle, _ err: FileHandle) {
            group.enter()
            group.enter()
            DispatchQueue.global().async { self.output = out.readDataToEndOfFile(); self.group.leave() }
            DispatchQueue.global().async { self.error = err.readDataToEndOfFile(); self.group.leave() }
        }

        func wait() -> (String, String) {
            group.wait()
            return (String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
        }
    }
}
