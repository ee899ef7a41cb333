import Foundation
import Ranking
import TestSupport
import Testing
@testable import BattleStore

@Suite struct ArenaPreferenceFormatTests {
    private let header = "id,model_a,model_b,prompt,response_a,response_b,winner_model_a,winner_model_b,winner_tie\n"

    @Test func keepsTheFirstTurnAndDropsWhatRouteLLMDrops() throws {
        let folder = try TemporaryDirectory()
        let csv = header
            + #"1,gpt-4,vicuna,"[""How do I sort a list in Python, quickly?"",""and in place?""]","[""r""]","[""r""]",1,0,0"# + "\n"
            + #"2,gpt-4,vicuna,"[""hi there""]","[""r""]","[""r""]",0,1,0"# + "\n"
            + #"3,claude,vicuna,"[""Explain, in two lines,\nwhat a monad is.""]",x,y,0,0,1"# + "\n"
            + #"4,claude,vicuna,"[""A perfectly long prompt text""]",x,y,1,1,0"# + "\n"
            + #"5,claude,claude,"[""A perfectly long prompt text""]",x,y,1,0,0"# + "\n"
            + #"6,claude,vicuna,not a list of turns at all,x,y,1,0,0"# + "\n"
            + #"7,claude,vicuna,"[null, ""second""]",x,y,1,0,0"# + "\n"
        let file = try folder.file("arena.csv", csv)
        let result = try ArenaPreferenceFormat.read(files: [file], importTime: "2024-06-01T00:00:00Z")
        #expect(result.battles.map(\.prompt) == ["How do I sort a list in Python, quickly?", "Explain, in two lines,\nwhat a monad is."])
        #expect(result.battles.map(\.winner) == [.modelA, .tie])
        #expect(result.battles.map(\.modelA) == ["gpt-4", "claude"])
        #expect(result.battles.allSatisfy { $0.source == "lmsys-arena:arena.csv" && $0.foughtAt == BattleTime.date("2024-06-01T00:00:00Z") })
        #expect(result.summary.rowsRead == 7)
        #expect(result.summary.kept == 2)
        #expect(result.summary.skippedByReason == [.shortPrompt: 1, .noSingleWinner: 1, .sameModel: 1, .malformedField: 1, .emptyPrompt: 1])
        // The line break of row 3 is a JSON escape inside the turn list: one line per row.
        #expect(result.summary.problems.map(\.line) == [3, 5, 6, 7, 8])
        #expect(result.summary.problems[0].description == "\(file):3: prompt has 8 characters, fewer than 16")
    }

    @Test func readsTheJSONLinesLayoutWithTimestamps() throws {
        let folder = try TemporaryDirectory()
        let lines = """
            {"model_a": "a", "model_b": "b", "prompt": ["What is the capital of France?"], "winner_model_a": 0, "winner_model_b": 1, "winner_tie": 0, "tstamp": 1700000000}
            {"model_a": "a", "model_b": "b", "prompt": "[\\"Is this a JSON list inside a string?\\"]", "winner_model_a": 0, "winner_model_b": 0, "winner_tie": 1}
            not json
            {"model_b": "b", "prompt": ["Where is model a, though?"], "winner_model_a": 1, "winner_model_b": 0, "winner_tie": 0}
            """
        let file = try folder.file("arena.jsonl", lines)
        let result = try ArenaPreferenceFormat.read(files: [file], importTime: "2024-06-01T00:00:00Z")
        #expect(result.battles.map(\.winner) == [.modelB, .tie])
        #expect(result.battles.map(\.foughtAt) == [Date(timeIntervalSince1970: 1_700_000_000), BattleTime.date("2024-06-01T00:00:00Z")])
        #expect(result.battles[1].prompt == "Is this a JSON list inside a string?")
        #expect(result.summary.problems.map(\.line) == [3, 4])
        #expect(result.summary.skippedByReason == [.unreadableRow: 1, .missingField: 1])
    }

    @Test func aFileWithoutTheRequiredColumnsIsRefusedWhole() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.file("wrong.csv", "model_a,model_b,winner\nx,y,model_a\n")
        #expect(throws: InputError.self) { try ArenaPreferenceFormat.read(files: [file], importTime: "t") }
    }
}

@Suite struct BattleLinesFormatTests {
    @Test func acceptsArenaLabelsAndModelNamesAsWinners() throws {
        let folder = try TemporaryDirectory()
        let lines = """
            {"prompt": "p1", "model_a": "x", "model_b": "y", "winner": "tie (bothbad)", "source": "mine", "time": "2020-01-01T00:00:00Z"}
            {"prompt": "p2", "model_a": "x", "model_b": "y", "winner": "y"}

            {"prompt": "p3", "model_a": "x", "model_b": "y", "winner": "z"}
            {"prompt": "p4", "model_a": "x", "model_b": "y", "winner": 1}
            [1, 2]
            """
        let file = try folder.file("b.jsonl", lines)
        let result = try BattleLinesFormat.read(files: [file], importTime: "now")
        #expect(result.battles == [
            LabelledBattle(prompt: "p1", modelA: "x", modelB: "y", winner: .tieBothBad, source: "mine", foughtAt: BattleTime.date("2020-01-01T00:00:00Z")),
            LabelledBattle(prompt: "p2", modelA: "x", modelB: "y", winner: .modelB, source: "battles-jsonl:b.jsonl", foughtAt: BattleTime.date("now")),
        ])
        #expect(result.summary.problems.map(\.line) == [4, 5, 6])
        #expect(result.summary.skippedByReason == [.unknownWinner: 1, .malformedField: 1, .unreadableRow: 1])
        #expect(result.summary.rowsRead == 5)
    }
}

@Suite struct JudgeScoresFormatTests {
    @Test func everyPairOfScoredModelsOnAQuestionIsABattle() throws {
        let folder = try TemporaryDirectory()
        let questions = try folder.file("question.jsonl", """
            {"question_id": "q1", "turns": ["first question"]}
            {"question_id": "q2", "turns": ["second question", "a follow-up"]}
            {"question_id": "q3", "turns": []}
            """)
        let judgeA = try folder.file("judgment/a.jsonl", """
            {"question_id": "q1", "model": "m-a", "score": 9}
            {"question_id": "q2", "model": "m-a", "score": 5.0}
            {"question_id": "q9", "model": "m-a", "score": 5}
            """)
        let judgeB = try folder.file("judgment/b.jsonl", """
            {"question_id": "q1", "model": "m-b", "score": 3}
            {"question_id": "q2", "model": "m-b", "score": 5}
            """)
        let judgeC = try folder.file("judgment/c.jsonl", """
            {"question_id": "q1", "model": "m-c", "score": 10}
            {"question_id": "q2", "model": "m-c", "score": -1}
            {"question_id": "q2", "model": "m-c", "score": null}
            {"question_id": "q1", "model": "m-c", "score": 0.5}
            """)
        let files = try InputFiles.expand([folder.path("judgment").path], extensions: ["jsonl"])
        #expect(files == [judgeA, judgeB, judgeC])
        let result = try JudgeScoresFormat.read(questions: questions, judgments: files, importTime: "t")
        let outcomes = result.battles.map { "\($0.prompt): \($0.modelA)-\($0.modelB) \($0.winner.label)" }
        #expect(outcomes == ["first question: m-a-m-b model_a", "first question: m-a-m-c model_b",
                             "first question: m-b-m-c model_b", "second question: m-a-m-b tie"])
        #expect(result.summary.rowsRead == 9)
        #expect(result.summary.kept == 4)
        #expect(result.summary.skippedByReason == [.emptyPrompt: 1, .unknownQuestion: 1, .scoreMissingOrBelowOne: 3])
    }

    /// Counted independently with Python over the shared files: 4,500 judgment lines, 39 without
    /// a score, 30,966 battles of which 6,801 ties, between 15 models.
    @Test func readsTheArenaBenchJudgments() throws {
        let root = try SharedFixtures.url("data/arena-bench-v1")
        let files = try InputFiles.expand([root.appendingPathComponent("model_judgment").path], extensions: ["jsonl"])
        let result = try JudgeScoresFormat.read(questions: root.appendingPathComponent("question.jsonl").path, judgments: files, importTime: "t")
        #expect(result.summary.rowsRead == 4_500)
        #expect(result.summary.skippedByReason == [.scoreMissingOrBelowOne: 39])
        #expect(result.battles.count == 30_966)
        #expect(result.battles.count { $0.winner == .tie } == 6_801)
        #expect(Set(result.battles.flatMap { [$0.modelA, $0.modelB] }).count == 15)
    }
}

@Suite struct GoldenLabelsFormatTests {
    @Test func correctBeatsIncorrectAndEqualAnswersTie() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.file("mmlu_x.csv", """
            prompt,weak,strong,other
            "Q1 has
            two lines",False,True,True
            Q2,True,False,false
            Q3,maybe,True,True
            "Q4",TRUE,True,False

            """)
        let labels = try GoldenLabels.read(files: [file])
        #expect(labels.questions.map(\.prompt) == ["Q1 has\ntwo lines", "Q2", "Q4"])
        let battles = labels.battles(time: "t")
        #expect(battles.map { "\($0.modelA)-\($0.modelB) \($0.winner.label)" } == [
            "weak-strong model_b", "weak-other model_b", "strong-other tie",
            "weak-strong model_a", "weak-other model_a", "strong-other tie (bothbad)",
            "weak-strong tie", "weak-other model_a", "strong-other model_a",
        ])
        #expect(battles.allSatisfy { $0.source == "golden:mmlu_x.csv" })
        #expect(labels.summary.problems == [RowProblem(file: file, line: 5, reason: .badLabel, detail: "column 'weak' holds 'maybe', not True or False")])
    }

    /// Counted independently with Python's csv module: 14,042 questions, of which 13,937 distinct
    /// prompts; (Mixtral, GPT-4) right/wrong: (T,T) 8,818, (F,T) 2,497, (F,F) 1,985, (T,F) 742.
    @Test func readsRouteLLMsMMLUResponses() throws {
        let folder = try SharedFixtures.url("data/routellm-mmlu/responses")
        let files = try InputFiles.expand([folder.path], extensions: ["csv"])
        #expect(files.count == 57)
        let labels = try GoldenLabels.read(files: files)
        #expect(labels.summary.rowsRead == 14_042 && labels.summary.skipped == 0)
        #expect(Set(labels.questions.map(\.prompt)).count == 13_937)
        let battles = labels.battles(time: "t")
        #expect(battles.allSatisfy { $0.modelA == "mistralai/Mixtral-8x7B-Instruct-v0.1" && $0.modelB == "gpt-4-1106-preview" })
        let counts = Dictionary(grouping: battles, by: \.winner).mapValues(\.count)
        #expect(counts == [.tie: 8_818, .modelB: 2_497, .tieBothBad: 1_985, .modelA: 742])
    }
}
