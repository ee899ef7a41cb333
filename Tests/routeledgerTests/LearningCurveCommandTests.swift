import Foundation
import Testing
@testable import routeledger

/// `eval --learning-curve` as a user runs it, on a golden evaluation set from an empty memory
/// with the hashing embedder.
@Suite final class LearningCurveCommandTests {
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("learning-curve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Twelve topics with no word in common; a prompt is its topic's word three times and two
    /// words of its own, so the hashing embedder puts prompts of one topic close together. On
    /// the even topics only the strong model answers right, on the odd ones both do.
    private static let topics = ["algebra", "poetry", "cooking", "tennis", "opera", "geology", "chess", "sailing", "banking",
                                 "surgery", "weaving", "jazz"]

    /// 120 golden rows: 24 prompts (20 %) held out, 96 votes, so steps after 25, 50 and 96.
    private func goldenSet() throws -> String {
        var text = "prompt,strong,weak\n"
        for index in 0..<120 {
            let topic = Self.topics[index % Self.topics.count]
            text += "\(topic) \(topic) \(topic) quux\(index * 7_919 % 1_000) zap\(index),True,\(index % 2 == 0 ? "False" : "True")\n"
        }
        let url = folder.appendingPathComponent("golden.csv")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private func curve(_ evalSet: String, _ extra: [String]) throws -> RouteLedgerTool.Result {
        try RouteLedgerTool.run(["eval", "--memory", "none", "--embedder", "hashing", "--eval", evalSet, "--eval-format", "golden",
                                 "--strong", "strong", "--weak", "weak", "--learning-curve"] + extra)
    }

    @Test func aSeedPrintsTheSameJSONByteForByteAndAnotherSeedAnotherCurve() throws {
        let evalSet = try goldenSet()
        let first = try curve(evalSet, ["--seeds", "1,2", "--json"])
        try #require(first.status == 0, "\(first.error)")
        let again = try curve(evalSet, ["--seeds", "1,2", "--json"])
        #expect(again.output == first.output)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.output.utf8)) as? [String: Any])
        let steps = try #require(report["steps"] as? [[String: Any]])
        #expect(steps.map { $0["votes"] as? Int } == [25, 50, 96])
        #expect(steps.allSatisfy { ($0["per_seed"] as? [[String: Any]])?.map { $0["seed"] as? Int } == [1, 2] })
        #expect((report["seeds"] as? [[String: Any]])?.map { $0["held_out_queries"] as? Int } == [24, 24])

        let other = try curve(evalSet, ["--seeds", "3,2", "--json"])
        try #require(other.status == 0, "\(other.error)")
        let otherSteps = try #require((try JSONSerialization.jsonObject(with: Data(other.output.utf8)) as? [String: Any])?["steps"] as? [[String: Any]])
        // Seed 2 is the second curve of both runs and the same; seed 3 learns other votes first.
        func perSeed(_ steps: [[String: Any]], _ index: Int) -> [Double] {
            steps.compactMap { (($0["per_seed"] as? [[String: Any]])?[index]["apgr"]) as? Double }
        }
        #expect(perSeed(otherSteps, 1) == perSeed(steps, 1))
        #expect(perSeed(otherSteps, 0) != perSeed(steps, 0))
    }

    /// Half the queries need the strong model and are recognisable by their topic: a router
    /// that sends those first recovers the gap twice as fast as random, PGR 0.8 at 40 % strong
    /// calls where random gets 0.4. Once it has learnt every vote it must beat one half there.
    @Test func afterItsVotesTheRouterBeatsTheRandomOne() throws {
        let result = try curve(try goldenSet(), ["--seed", "1", "--json"])
        try #require(result.status == 0, "\(result.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let last = try #require((report["steps"] as? [[String: Any]])?.last)
        let apgr = try #require((last["apgr"] as? [String: Any])?["mean"] as? Double)
        let pgr40 = try #require((last["pgr40"] as? [String: Any])?["mean"] as? Double)
        #expect(apgr > 0.7 && pgr40 > 0.5, "APGR \(apgr), PGR at 40 % \(pgr40)")
        let seed = try #require((report["seeds"] as? [[String: Any]])?.first)
        let first = try #require(seed["votes_until_pgr40_above_half"] as? Int)
        let stays = try #require(seed["votes_until_pgr40_stays_above_half"] as? Int)
        #expect(first <= stays && stays <= 96)
    }

    @Test func theTableAndThePlotSayTheSame() throws {
        let plot = folder.appendingPathComponent("curve.svg").path
        let result = try curve(try goldenSet(), ["--seeds", "1,2", "--plot", plot])
        try #require(result.status == 0, "\(result.error)")
        #expect(result.output.contains("votes until PGR at 40 % strong calls exceeds 0.5: seed 1: "))
        let elements = try SVGElements.parse(try String(contentsOfFile: plot, encoding: .utf8))
        #expect(elements.names.count { $0 == "polyline" } == 3)
    }

    @Test func refusesWhatItCannotMeasure() throws {
        let evalSet = try goldenSet()
        let jsonl = folder.appendingPathComponent("set.jsonl")
        try Data(#"{"prompt": "a", "quality": {"strong": 1, "weak": 0}}"#.utf8).write(to: jsonl)
        let cases: [([String], String)] = [
            (["--folds", "5"], "--folds"),
            (["--seeds", "1,x"], "--seeds"),
            (["--seeds", "1,1"], "--seeds"),
            (["--seed", "1", "--seeds", "2"], "--seeds"),
            (["--holdout", "1"], "--holdout"),
        ]
        for (extra, named) in cases {
            let result = try curve(evalSet, extra)
            #expect(result.status == 2 && result.error.contains(named), "\(extra): \(result.error)")
        }
        let unscored = try RouteLedgerTool.run(["eval", "--memory", "none", "--embedder", "hashing", "--eval", jsonl.path, "--strong", "strong",
                                                "--weak", "weak", "--learning-curve"])
        #expect(unscored.status == 2 && unscored.error.contains("--eval-format golden or judge-scores"), "\(unscored.error)")
        let noCurve = try RouteLedgerTool.run(["eval", "--memory", "none", "--embedder", "hashing", "--eval", evalSet, "--strong", "strong",
                                               "--weak", "weak"])
        #expect(noCurve.status == 2 && noCurve.error.contains("--learning-curve"), "\(noCurve.error)")
        let holdoutAlone = try RouteLedgerTool.run(["eval", "--memory", "none", "--embedder", "hashing", "--eval", evalSet, "--strong", "strong",
                                                    "--weak", "weak", "--holdout", "0.3"])
        #expect(holdoutAlone.status == 2 && holdoutAlone.error.contains("'--holdout' belongs to --learning-curve"), "\(holdoutAlone.error)")
    }
}
