import BattleStore
import Foundation
import Pipeline
import Ranking
import Streams
import Testing
import TestSupport
@testable import routeledger

/// The kernel sharpness on the command line: chosen by `import` and stored in the manifest,
/// `--kernel-sharpness` on every command that routes, and `eval --folds` choosing it per fold on
/// the fold's training battles only.
@Suite final class KernelSharpnessCommandsTests {
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sharpness-commands-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Twelve topics with no word in common; a prompt is its topic's word three times and two
    /// words of its own, so the hashing embedder puts prompts of one topic close together.
    private static let topics = ["algebra", "poetry", "cooking", "tennis", "opera", "geology", "chess", "sailing", "banking",
                                 "surgery", "weaving", "jazz"]

    private static func prompt(_ index: Int) -> String {
        let topic = topics[index % topics.count]
        return "\(topic) \(topic) \(topic) quux\(index * 7_919 % 1_000) zap\(index)"
    }

    private func write(_ name: String, _ lines: [[String: Any]]) throws -> String {
        let url = folder.appendingPathComponent(name)
        let text = try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try Data((text.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url.path
    }

    /// One battle of strong against weak per prompt, `strongWins` deciding its winner.
    private func battles(_ name: String, prompts: Range<Int>, strongWins: (Int) -> Bool) throws -> String {
        try write(name, prompts.map { ["prompt": Self.prompt($0), "model_a": "strong", "model_b": "weak",
                                       "winner": strongWins($0) ? "model_a" : "model_b"] })
    }

    private func importBattles(_ file: String, into memory: String) throws -> [String: Any] {
        let result = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--memory", memory, "--embedder", "hashing", "--json", file])
        try #require(result.status == 0, "import failed: \(result.error)")
        #expect(result.error.contains("kernel sharpness chosen on the memory: γ = "))
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    private func strongWinRates(_ output: String) throws -> [Double] {
        try output.split(separator: "\n").map {
            try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["strong_win_rate"] as? Double)
        }
    }

    /// The strong model wins every even topic and loses every odd one: the winner depends on the
    /// topic, so a kernel sharper than RouteLLM's predicts held-out battles better, and the
    /// import stores that choice. `route --kernel-sharpness auto` ranks with it, exactly as with
    /// the number given; with other tiers than the memory's it chooses again at load.
    @Test func importStoresTheChoiceInTheManifestAndRouteAutoRanksWithIt() throws {
        let memory = folder.appendingPathComponent("memory").path
        let summary = try importBattles(try battles("topics.jsonl", prompts: 0..<120) { $0 % Self.topics.count % 2 == 0 }, into: memory)
        let stored = try #require(try MemoryDirectory.open(URL(fileURLWithPath: memory)).manifest.kernelSharpness)
        #expect(stored.chosen > 1)
        #expect(summary["kernel_sharpness"] as? Double == stored.chosen)
        // One score per candidate γ (0, ½, 1, 2, …, 64), over the 120 distinct prompts.
        #expect(stored.scores.map(\.sharpness) == [0, 0.5, 1, 2, 4, 8, 16, 32, 64])
        #expect(stored.heldOutPrompts == 120 && stored.heldOutBattles == 120)

        let input = (200..<212).map { "{\"prompt\": \"\(Self.prompt($0))\"}" }.joined(separator: "\n")
        let route = ["route", "--memory", memory, "--threshold", "0.5", "--embedder", "hashing"]
        let auto = try RouteLedgerTool.run(route + ["--kernel-sharpness", "auto"], input: input)
        #expect(auto.status == 0, "\(auto.error)")
        #expect(auto.error.contains("kernel sharpness \(KernelSharpness.fixed(stored.chosen))") && !auto.error.contains("chosen on the memory"))
        let given = try RouteLedgerTool.run(route + ["--kernel-sharpness", KernelSharpness.fixed(stored.chosen).description], input: input)
        let routeLLM = try RouteLedgerTool.run(route, input: input)
        #expect(try strongWinRates(auto.output) == strongWinRates(given.output))
        #expect(try strongWinRates(auto.output) != strongWinRates(routeLLM.output))

        // The route stage of `routeledger run` over this memory takes the manifest's γ too.
        var configuration = strongAndWeakConfiguration(weakPerMillion: (input: "0.5", output: "1.5"))
        configuration.memoryPath = memory
        configuration.embedder = .hashing
        configuration.routing.kernelSharpness = .auto
        let (snapshot, _) = try StageAssembly(configuration: configuration, shutdown: ShutdownSignal(signals: [])).router()
        #expect(snapshot.ranker.sharpness == stored.chosen && snapshot.sharpnessSelection == nil)

        let otherTiers = try RouteLedgerTool.run(route + ["--kernel-sharpness", "auto", "--tiers", "3"], input: input)
        #expect(otherTiers.status == 0 && otherTiers.error.contains("kernel sharpness chosen on the memory: γ = "))
        let calibrated = try RouteLedgerTool.run(["calibrate", "--memory", memory, "--strong-share", "0.5", "--embedder", "hashing",
                                                  "--kernel-sharpness", "auto"], input: input)
        #expect(calibrated.status == 0 && calibrated.error.contains("kernel sharpness \(KernelSharpness.fixed(stored.chosen))"))

        // A later import chooses again on all the battles it leaves.
        let more = try importBattles(try battles("more.jsonl", prompts: 120..<180) { $0 % Self.topics.count % 2 == 0 }, into: memory)
        let again = try #require(try MemoryDirectory.open(URL(fileURLWithPath: memory)).manifest.kernelSharpness)
        #expect(again.heldOutPrompts == 180 && more["kernel_sharpness"] as? Double == again.chosen)
    }

    /// Into the battles table, the import chooses γ with its ratings version; `route --database
    /// --kernel-sharpness auto` ranks with the newest version's choice.
    @Test func routeOverTheDatabaseRanksWithTheNewestVersionsChoice() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let file = try battles("topics.jsonl", prompts: 0..<120) { $0 % Self.topics.count % 2 == 0 }
            let imported = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--database", database.connectionString,
                                                    "--embedder", "hashing", "--json", file])
            try #require(imported.status == 0, "import failed: \(imported.error)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])
            // The winner depends on the topic, as in the directory above.
            let chosen = try #require(summary["kernel_sharpness"] as? Double)
            #expect(chosen > 1)
            let input = (200..<204).map { "{\"prompt\": \"\(Self.prompt($0))\"}" }.joined(separator: "\n")
            let routed = try RouteLedgerTool.run(["route", "--database", database.connectionString, "--threshold", "0.5",
                                                  "--kernel-sharpness", "auto"], input: input)
            #expect(routed.status == 0, "\(routed.error)")
            #expect(routed.error.contains("kernel sharpness \(KernelSharpness.fixed(chosen))") && !routed.error.contains("chosen on the memory"),
                    "\(routed.error)")
        }
    }

    /// Each fold's γ is chosen on the battles its router learns from, never with the fold's own
    /// prompts. Two folds: the prompts of the first have battles whose winner follows the topic
    /// exactly (where the sharpest kernels look best), those of the second random winners. The
    /// first fold's router learns from the second's random battles only, where no kernel beats
    /// RouteLLM's: it keeps γ ≤ 1. Had its own prompts taken part in the choice, the sharp
    /// kernels would have won it, as they do for the second fold's router, which learns from the
    /// first fold's battles.
    @Test func evalChoosesEachFoldsSharpnessOnItsTrainingBattlesOnly() throws {
        let prompts = (0..<240).map(Self.prompt)
        let validation = CrossValidation(prompts: prompts, folds: 2, seed: 1)
        var generator = SeededGenerator(seed: 11)
        let strongWins = prompts.indices.map { index in
            validation.fold(of: prompts[index]) == 0 ? index % Self.topics.count % 2 == 0 : Bool.random(using: &generator)
        }
        let memory = folder.appendingPathComponent("folds").path
        _ = try importBattles(try battles("folds.jsonl", prompts: 0..<240) { strongWins[$0] }, into: memory)
        let evalSet = try write("eval.jsonl", prompts.indices.map {
            ["prompt": prompts[$0], "quality": ["strong": strongWins[$0] ? 1 : 0, "weak": strongWins[$0] ? 0 : 1]]
        })
        let result = try RouteLedgerTool.run(["eval", "--memory", memory, "--eval", evalSet, "--strong", "strong", "--weak", "weak",
                                              "--folds", "2", "--seed", "1", "--kernel-sharpness", "auto", "--embedder", "hashing", "--json"])
        #expect(result.status == 0, "\(result.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(report["kernel_sharpness"] as? String == "auto")
        #expect(report["battles_per_router"] as? [Int] == [120, 120])
        let chosen = try #require(report["kernel_sharpness_per_router"] as? [Double])
        #expect(chosen.count == 2 && chosen[0] <= 1 && chosen[1] > 1, "\(chosen)")
        // Two kernels: pooled by win rate the two folds' scores are on different scales, which
        // the command says; pooled by quantile it does not need to.
        #expect(report["fold_scores"] as? String == "win-rate")
        #expect(result.error.contains("use different kernel sharpnesses"), "\(result.error)")
        let quantile = try RouteLedgerTool.run(["eval", "--memory", memory, "--eval", evalSet, "--strong", "strong", "--weak", "weak",
                                                "--folds", "2", "--seed", "1", "--kernel-sharpness", "auto", "--embedder", "hashing",
                                                "--fold-scores", "quantile", "--json"])
        #expect(quantile.status == 0, "\(quantile.error)")
        let quantileReport = try #require(try JSONSerialization.jsonObject(with: Data(quantile.output.utf8)) as? [String: Any])
        #expect(quantileReport["fold_scores"] as? String == "quantile")
        #expect(!quantile.error.contains("use different kernel sharpnesses"))
        for (extra, message) in [(["--folds", "2", "--fold-scores", "median"], "option '--fold-scores': 'median' is neither win-rate nor quantile"),
                                 (["--fold-scores", "quantile"], "option '--fold-scores' belongs to --folds"),
                                 (["--folds", "2", "--fold-scores", "quantile", "--learning-curve"],
                                  "option '--fold-scores' belongs to the pair evaluation with --folds"),
                                 (["--folds", "2", "--fold-scores", "quantile", "--candidates", "strong,weak"],
                                  "option '--fold-scores' belongs to the pair evaluation with --folds")] {
            let refused = try RouteLedgerTool.run(["eval", "--memory", memory, "--eval", evalSet, "--strong", "strong", "--weak", "weak",
                                                   "--embedder", "hashing"] + extra)
            #expect(refused.status == 2 && refused.error.contains(message), "\(refused.error)")
        }

        let fixed = try RouteLedgerTool.run(["eval", "--memory", memory, "--eval", evalSet, "--strong", "strong", "--weak", "weak",
                                             "--folds", "2", "--kernel-sharpness", "4", "--embedder", "hashing"])
        #expect(fixed.output.contains("kernel sharpness per router (4): 4, 4"))
    }

    /// A sharpness outside 0…64 or a word other than auto is a usage error naming the option,
    /// on every command that routes.
    @Test func aBadSharpnessIsAUsageErrorNamingTheOption() throws {
        let memory = folder.appendingPathComponent("small").path
        _ = try importBattles(try battles("small.jsonl", prompts: 0..<4) { $0 % 2 == 0 }, into: memory)
        let commands = [
            ["route", "--memory", memory, "--threshold", "0.5"],
            ["calibrate", "--memory", memory, "--strong-share", "0.5"],
            ["eval", "--memory", memory, "--eval", "x.jsonl", "--strong", "strong", "--weak", "weak"],
            ["bench", "sw", "--battles", "10", "--seconds", "0"],
            ["run"],
        ]
        for command in commands {
            for bad in ["65", "-1", "sharp", "nan"] {
                let result = try RouteLedgerTool.run(command + ["--kernel-sharpness", bad], input: "")
                #expect(result.status == 2, "\(command[0]) \(bad): \(result.error)")
                #expect(result.error.contains("option '--kernel-sharpness' expects a number in 0...64 or auto, got '\(bad)'"),
                        "\(command[0]): \(result.error)")
            }
        }
    }

    /// `bench sw --reference` at RouteLLM's kernel still matches the reference; at another γ it
    /// reports the γ it ranked with and how far that moves the answers.
    @Test func benchSWChecksTheReferenceAtTheGivenSharpness() throws {
        let reference = try SharedFixtures.url("reference/sw/main").path
        func figures(_ sharpness: String) throws -> [String: Any] {
            let result = try RouteLedgerTool.run(["bench", "sw", "--reference", reference, "--seconds", "0", "--json",
                                                  "--kernel-sharpness", sharpness])
            try #require(result.status == 0, "\(result.error)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        }
        let routeLLM = try figures("1")
        #expect(routeLLM["kernel_sharpness"] as? Double == 1)
        #expect(try #require(routeLLM["max_abs_win_rate_diff"] as? Double) <= 1e-6)
        let sharp = try figures("8")
        #expect(sharp["kernel_sharpness"] as? Double == 8)
        #expect(try #require(sharp["max_abs_win_rate_diff"] as? Double) > 1e-3)
    }
}
