import Foundation
import TestSupport
import Testing
@testable import BattleStore

@Suite struct EvalSetTests {
    @Test func genericLinesTakeScoresAndBooleans() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.file("eval.jsonl", """
            {"prompt": "p1", "quality": {"big": 9, "small": 4.5}}
            {"prompt": "p2", "quality": {"big": true, "small": false}}
            {"prompt": "p3", "quality": {"big": 1}}
            {"prompt": "p4", "quality": {"big": "good", "small": 1}}
            {"prompt": "p5", "quality": []}
            """)
        let set = try EvalSet.readJSONLines(files: [file])
        #expect(set.queries == [EvalSet.Query(prompt: "p1", quality: ["big": 9, "small": 4.5]),
                                EvalSet.Query(prompt: "p2", quality: ["big": 1, "small": 0]),
                                EvalSet.Query(prompt: "p3", quality: ["big": 1])])
        #expect(set.summary.problems.map(\.line) == [4, 5])
        let pair = set.pair(strong: "big", weak: "small")
        #expect(pair.prompts == ["p1", "p2"] && pair.strongQuality == [9, 1] && pair.weakQuality == [4.5, 0])
        #expect(pair.leftOut == 1)
    }

    @Test func contaminatedPromptsAreLeftOutAndCounted() throws {
        let folder = try TemporaryDirectory()
        let csv = try folder.file("mmlu.csv", "prompt,weak,strong\nclean,True,True\ndirty,False,True\n")
        let list = try folder.file("contaminated.jsonl", #"{"train_prompt": "x", "eval_prompt": "dirty"}"# + "\n")
        var set = EvalSet(golden: try GoldenLabels.read(files: [csv]))
        set.remove(contaminated: try ContaminationList.read(list))
        #expect(set.queries == [EvalSet.Query(prompt: "clean", quality: ["weak": 1, "strong": 1])])
        #expect(set.summary.kept == 1)
        #expect(set.summary.problems == [RowProblem(file: csv, line: 3, reason: .contaminated, detail: "prompt is on the contamination list")])
    }

    @Test func aContaminationListThatCannotBeReadIsRefused() throws {
        let folder = try TemporaryDirectory()
        let list = try folder.file("contaminated.jsonl", #"{"eval_prompt": "a"}"# + "\n" + #"{"other": 1}"# + "\n")
        #expect(throws: InputError("\(list):2: expected an object with an 'eval_prompt' string")) { try ContaminationList.read(list) }
    }

    /// The shared data's README: after RouteLLM's decontamination 14,037 questions remain, on
    /// which gpt-4-1106-preview is right 80.59 % of the time and Mixtral 68.09 %.
    @Test func routeLLMsMMLUEvalSetMatchesThePublishedShares() throws {
        let root = try SharedFixtures.url("data/routellm-mmlu")
        let files = try InputFiles.expand([root.appendingPathComponent("responses").path], extensions: ["csv"])
        var set = EvalSet(golden: try GoldenLabels.read(files: files))
        set.remove(contaminated: try ContaminationList.read(root.appendingPathComponent("contaminated_prompts.jsonl").path))
        let pair = set.pair(strong: "gpt-4-1106-preview", weak: "mistralai/Mixtral-8x7B-Instruct-v0.1")
        #expect(pair.prompts.count == 14_037)
        #expect(abs(pair.strongQuality.reduce(0, +) / 14_037 - 0.8059) < 0.00005)
        #expect(abs(pair.weakQuality.reduce(0, +) / 14_037 - 0.6809) < 0.00005)
    }

    @Test func judgeScoresAreQualities() throws {
        let folder = try TemporaryDirectory()
        let questions = try folder.file("q.jsonl", #"{"question_id": "a", "turns": ["first"]}"# + "\n" + #"{"question_id": "b", "turns": ["second"]}"#)
        let judgments = try folder.file("m.jsonl", #"{"question_id": "a", "model": "x", "score": 7}"#)
        let set = EvalSet(judgeScores: try JudgeScores.read(questions: questions, judgments: [judgments]))
        #expect(set.queries == [EvalSet.Query(prompt: "first", quality: ["x": 7])])
    }
}
