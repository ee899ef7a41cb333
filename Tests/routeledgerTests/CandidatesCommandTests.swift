import Foundation
import Testing
@testable import routeledger

/// `eval --candidates` as a user runs it: a memory of three models that always tie, an
/// evaluation set where the cheapest is as good as the reference, and a price list.
@Suite final class CandidatesCommandTests {
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("candidates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Ten prompts of 8 bytes each ("prompt00" …), so 2 input tokens each.
    private let prompts = (0..<10).map { String(format: "prompt%02d", $0) }

    private func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Returns (memory, evaluation set, prices).
    private func fixture() throws -> (String, String, String) {
        var battles: [String] = []
        for prompt in prompts {
            for (a, b) in [("cheap", "mid"), ("cheap", "ref"), ("mid", "ref")] {
                battles.append(try json(["prompt": prompt, "model_a": a, "model_b": b, "winner": "tie"]))
            }
        }
        let battleFile = try write("battles.jsonl", battles.joined(separator: "\n") + "\n")
        let memory = folder.appendingPathComponent("memory").path
        let imported = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--memory", memory, "--embedder", "hashing", battleFile])
        try #require(imported.status == 0, "\(imported.error)")
        let evalSet = try write("eval.jsonl", try prompts.map { try json(["prompt": $0, "quality": ["cheap": 8, "mid": 5, "ref": 8]]) }
            .joined(separator: "\n") + "\n")
        let prices = try write("prices.csv", "# test prices\nmodel,input_usd_per_million,output_usd_per_million\ncheap,1,1\nmid,2,2\nref,4,4\n")
        return (memory, evalSet, prices)
    }

    private func evaluate(_ memory: String, _ evalSet: String, _ extra: [String]) throws -> RouteLedgerTool.Result {
        try RouteLedgerTool.run(["eval", "--memory", memory, "--eval", evalSet, "--strong", "ref"] + extra)
    }

    /// Every battle a tie: every model rated alike, each in a tier of its own, and every win
    /// rate of the reference 0.5 for every query. So the rule gives all ten queries to the
    /// reference up to a threshold of 0.5 and to the cheap model above it: two operating
    /// points. A query costs (2 + 256) tokens × the price: $0.000258 on the cheap model,
    /// $0.002580 for the ten, and $0.010320 on the reference. Quality 8 at both points, so AIQ
    /// is 8, and so is that of mixing the three (the hull of (0, 8), (1/3, 5), (1, 8)).
    @Test func theCheapModelAsGoodAsTheReferenceTakesEveryQueryAboveOneHalf() throws {
        let (memory, evalSet, prices) = try fixture()
        let plot = folder.appendingPathComponent("rule.svg").path
        let result = try evaluate(memory, evalSet, ["--candidates", "cheap,mid", "--prices", prices, "--json", "--plot", plot])
        try #require(result.status == 0, "\(result.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let curve = try #require(report["curve"] as? [[String: Any]])
        #expect(curve.map { $0["answered"] as? [String: Int] } == [["cheap": 0, "mid": 0, "ref": 10], ["cheap": 10, "mid": 0, "ref": 0]])
        #expect(curve.map { $0["cost_usd"] as? String } == ["0.010320", "0.002580"])
        #expect((curve[1]["threshold"] as? Double).map { $0 > 0.5 && $0 < 0.5 + 1e-12 } == true)
        #expect((report["aiq"] as? Double).map { abs($0 - 8) < 1e-12 } == true)
        #expect((report["aiq_random_mix"] as? Double).map { abs($0 - 8) < 1e-12 } == true)
        let candidates = try #require(report["candidates"] as? [[String: Any]])
        #expect(candidates.map { $0["model"] as? String } == ["cheap", "mid", "ref"])
        #expect(candidates.map { $0["alone_cost_usd"] as? String } == ["0.002580", "0.005160", "0.010320"])
        let budgets = try #require(report["budgets"] as? [[String: Any]])
        #expect(budgets.allSatisfy { ($0["answered"] as? [String: Int])?["cheap"] == 10 })

        // The figure: cost runs from the cheap model alone (x 78) to the reference alone (x 736);
        // every quality is 8, so the axis is 7.4…8.6 (steps of 0.2) and 8 lies at
        // y 70 + 0.6 / 1.2 × 388 = 264. The rule's line joins its two points there.
        let elements = try SVGElements.parse(try String(contentsOfFile: plot, encoding: .utf8))
        let lines = elements.attribute("points", of: "polyline")
        #expect(lines.count == 2 && lines.first == "78,264 736,264")
        #expect(elements.texts.contains("Cost, from the cheapest model alone (0) to the dearest (100)"))
    }

    @Test func refusesWhatItCannotEvaluateNamingTheFlag() throws {
        let (memory, evalSet, prices) = try fixture()
        let cases: [([String], String)] = [
            (["--candidates", "cheap,nobody", "--prices", try write("nobody.csv", "model,input_usd_per_million,output_usd_per_million\ncheap,1,1\nnobody,1,1\nref,4,4\n")],
             "'--candidates': 'nobody' has no quality"),
            (["--candidates", "ref", "--prices", prices], "'--candidates' needs at least two models"),
            (["--candidates", "cheap,cheap", "--prices", prices], "'--candidates' names a model twice"),
            (["--candidates", "cheap,mid"], "--prices FILE"),
            (["--candidates", "cheap,mid", "--prices", try write("partial.csv", "model,input_usd_per_million,output_usd_per_million\ncheap,1,1\nref,4,4\n")],
             "'--prices': no price of 'mid'"),
            (["--candidates", "cheap,mid", "--prices", try write("dear.csv", "model,input_usd_per_million,output_usd_per_million\ncheap,1,1\nmid,9,9\nref,4,4\n")],
             "'--candidates': 'mid' costs more than the reference"),
            (["--candidates", "cheap,mid", "--prices", prices, "--weak", "cheap"], "--candidates or --weak"),
        ]
        for (extra, message) in cases {
            let result = try evaluate(memory, evalSet, extra)
            #expect(result.status == 2 && result.error.contains(message), "\(extra): \(result.error)")
        }
        // A model of the evaluation set without battles in the memory.
        let other = try write("other.jsonl", prompts.map { "{\"prompt\": \"\($0)\", \"quality\": {\"cheap\": 8, \"new\": 5, \"ref\": 8}}" }
            .joined(separator: "\n") + "\n")
        let newPrices = try write("new.csv", "model,input_usd_per_million,output_usd_per_million\ncheap,1,1\nnew,2,2\nref,4,4\n")
        let unknown = try evaluate(memory, other, ["--candidates", "cheap,new", "--prices", newPrices])
        #expect(unknown.status == 2 && unknown.error.contains("'--candidates': model 'new' has no battles"), "\(unknown.error)")
        let stray = try evaluate(memory, evalSet, ["--weak", "cheap", "--prices", prices])
        #expect(stray.status == 2 && stray.error.contains("'--prices' belongs to --candidates"), "\(stray.error)")
    }
}
