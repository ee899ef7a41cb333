import Ranking

/// Per-question correctness of several models, in the layout of RouteLLM's MMLU responses: CSV
/// files with a `prompt` column and one column per model holding `True` or `False`.
public struct GoldenLabels: Sendable {
    public struct Question: Sendable, Equatable {
        public let prompt: String
        /// Models in the order of the file's columns, with whether each answered correctly.
        public let correct: [(model: String, isCorrect: Bool)]
        public let source: String
        /// Where the row is, for reports.
        public let file: String
        public let line: Int

        public static func == (lhs: Question, rhs: Question) -> Bool {
            lhs.prompt == rhs.prompt && lhs.source == rhs.source && lhs.file == rhs.file && lhs.line == rhs.line
                && lhs.correct.elementsEqual(rhs.correct) { $0.model == $1.model && $0.isCorrect == $1.isCorrect }
        }
    }

    public private(set) var questions: [Question] = []
    public private(set) var summary = ReadSummary()

    public static func read(files: [String]) throws(InputError) -> GoldenLabels {
        var result = GoldenLabels()
        for file in files {
            guard let table = try CSVTable.read(file: file) else { continue }
            guard let promptColumn = table.column(named: "prompt") else {
                throw InputError("\(file): no column 'prompt'")
            }
            let modelColumns = table.columns.indices.filter { $0 != promptColumn }
            guard modelColumns.count >= 2 else {
                throw InputError("\(file): a prompt column and at least two model columns are needed, found \(table.columns.joined(separator: ", "))")
            }
            let source = sourceName(format: GoldenLabelsFormat.name, file: file)
            for record in table {
                result.summary.rowsRead += 1
                switch record {
                case .failure(let syntax):
                    result.summary.skip(RowProblem(file: file, line: syntax.line, reason: .unreadableRow, detail: syntax.reason))
                case .success(let row):
                    let prompt = row.fields[promptColumn]
                    guard !prompt.isEmpty else {
                        result.summary.skip(RowProblem(file: file, line: row.line, reason: .emptyPrompt, detail: "prompt is empty"))
                        continue
                    }
                    var correct: [(model: String, isCorrect: Bool)] = []
                    for column in modelColumns {
                        guard let value = correctness(row.fields[column]) else { break }
                        correct.append((table.columns[column], value))
                    }
                    guard correct.count == modelColumns.count else {
                        let column = modelColumns[correct.count]
                        result.summary.skip(RowProblem(file: file, line: row.line, reason: .badLabel,
                                                       detail: "column '\(table.columns[column])' holds '\(row.fields[column])', not True or False"))
                        continue
                    }
                    result.questions.append(Question(prompt: prompt, correct: correct, source: source, file: file, line: row.line))
                    result.summary.kept += 1
                }
            }
        }
        return result
    }

    private static func correctness(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1": true
        case "false", "0": false
        default: nil
        }
    }

    /// Every pair of models on a question is a battle: correct beats incorrect; both correct is
    /// a tie, both wrong a `tie (bothbad)`. `model_a` is the model whose column comes first.
    public func battles(time: String) -> [LabelledBattle] {
        var battles: [LabelledBattle] = []
        for question in questions {
            for (i, a) in question.correct.enumerated() {
                for b in question.correct[(i + 1)...] {
                    let winner: BattleOutcome = switch (a.isCorrect, b.isCorrect) {
                    case (true, false): .modelA
                    case (false, true): .modelB
                    case (true, true): .tie
                    case (false, false): .tieBothBad
                    }
                    battles.append(LabelledBattle(prompt: question.prompt, modelA: a.model, modelB: b.model, winner: winner,
                                                source: question.source, foughtAt: BattleTime.date(time)))
                }
            }
        }
        return battles
    }
}

/// The `golden` import format: correctness labels turned into battles.
public enum GoldenLabelsFormat {
    public static let name = "golden"

    public static func read(files: [String], importTime: String) throws(InputError) -> ImportedBattles {
        let labels = try GoldenLabels.read(files: files)
        var result = ImportedBattles()
        result.summary = labels.summary
        result.battles = labels.battles(time: importTime)
        result.summary.kept = result.battles.count
        return result
    }
}
