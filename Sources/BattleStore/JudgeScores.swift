import Ranking

/// Single-answer judge scores per (question, model), in the arena-bench / Arena-Hard layout: a
/// question file (`question_id`, `turns`: the prompt is the first turn) and judgment files, one
/// line per answer (`question_id`, `model`, `score`). The model named inside each line counts,
/// not the file name. A score that is missing, null or below 1 (`-1` marks a failed judgment)
/// is dropped.
public struct JudgeScores: Sendable {
    public struct Question: Sendable, Equatable {
        public let id: String
        public let prompt: String
        /// Where the question is, for reports.
        public let file: String
        public let line: Int
        /// Model → score.
        public var scores: [String: Double]
    }

    public static let lowestScore = 1.0

    /// In the order of the question file.
    public private(set) var questions: [Question] = []
    /// Rows are judgment lines; kept are scores kept.
    public private(set) var summary = ReadSummary()

    public static func read(questions questionFile: String, judgments: [String]) throws(InputError) -> JudgeScores {
        var result = JudgeScores()
        var position: [String: Int] = [:]
        for (line, parsed) in JSONLines(bytes: try InputFiles.read(questionFile)) {
            do throws(FieldProblem) {
                let fields = try JSONFields(line: parsed)
                let id = try fields.string("question_id")
                guard let turns = fields.object["turns"] as? [Any] else {
                    throw FieldProblem(reason: .malformedField, detail: "field 'turns' is not a list")
                }
                guard let prompt = turns.first as? String, !prompt.isEmpty else {
                    throw FieldProblem(reason: .emptyPrompt, detail: "the first turn is missing or empty")
                }
                guard position[id] == nil else {
                    throw FieldProblem(reason: .duplicate, detail: "question '\(id)' appears twice")
                }
                position[id] = result.questions.count
                result.questions.append(Question(id: id, prompt: prompt, file: questionFile, line: line, scores: [:]))
            } catch {
                result.summary.skip(RowProblem(file: questionFile, line: line, reason: error.reason, detail: error.detail))
            }
        }
        for file in judgments {
            for (line, parsed) in JSONLines(bytes: try InputFiles.read(file)) {
                result.summary.rowsRead += 1
                do throws(FieldProblem) {
                    let fields = try JSONFields(line: parsed)
                    let id = try fields.string("question_id")
                    let model = try fields.string("model")
                    guard let index = position[id] else {
                        throw FieldProblem(reason: .unknownQuestion, detail: "question '\(id)' is not in \(questionFile)")
                    }
                    guard let score = try fields.optionalNumber("score"), score >= lowestScore else {
                        throw FieldProblem(reason: .scoreMissingOrBelowOne, detail: "score of \(model) on question '\(id)' is missing or below 1")
                    }
                    guard result.questions[index].scores[model] == nil else {
                        throw FieldProblem(reason: .duplicate, detail: "a second score of \(model) on question '\(id)'")
                    }
                    result.questions[index].scores[model] = score
                    result.summary.kept += 1
                } catch {
                    result.summary.skip(RowProblem(file: file, line: line, reason: error.reason, detail: error.detail))
                }
            }
        }
        return result
    }

    /// Every pair of models scored on a question is a battle: the higher score wins, equal
    /// scores tie. Within a pair, `model_a` is the name that sorts first.
    public func battles(source: String, time: String) -> [LabelledBattle] {
        var battles: [LabelledBattle] = []
        for question in questions {
            let models = question.scores.keys.sorted()
            for (i, modelA) in models.enumerated() {
                for modelB in models[(i + 1)...] {
                    let (scoreA, scoreB) = (question.scores[modelA]!, question.scores[modelB]!)
                    let winner: BattleOutcome = scoreA > scoreB ? .modelA : scoreA < scoreB ? .modelB : .tie
                    battles.append(LabelledBattle(prompt: question.prompt, modelA: modelA, modelB: modelB, winner: winner,
                                                source: source, foughtAt: BattleTime.date(time)))
                }
            }
        }
        return battles
    }
}

/// The `judge-scores` import format: judge scores turned into battles.
public enum JudgeScoresFormat {
    public static let name = "judge-scores"

    public static func read(questions: String, judgments: [String], importTime: String) throws(InputError) -> ImportedBattles {
        let scores = try JudgeScores.read(questions: questions, judgments: judgments)
        var result = ImportedBattles()
        result.summary = scores.summary
        result.battles = scores.battles(source: sourceName(format: name, file: questions), time: importTime)
        result.summary.kept = result.battles.count
        return result
    }
}
