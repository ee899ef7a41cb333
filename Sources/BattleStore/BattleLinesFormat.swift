import Ranking

/// One battle per JSON line: `prompt`, `model_a`, `model_b`, `winner` (`model_a`, `model_b`,
/// `tie`, `tie (bothbad)`, or the winning model's name), and optionally `source` and `time`
/// (ISO 8601), kept as given.
public enum BattleLinesFormat {
    public static let name = "battles-jsonl"

    public static func read(files: [String], importTime: String) throws(InputError) -> ImportedBattles {
        var result = ImportedBattles()
        for file in files {
            let defaultSource = sourceName(format: name, file: file)
            for (line, parsed) in JSONLines(bytes: try InputFiles.read(file)) {
                result.summary.rowsRead += 1
                do throws(FieldProblem) {
                    let fields = try JSONFields(line: parsed)
                    let prompt = try fields.string("prompt")
                    let modelA = try fields.string("model_a")
                    let modelB = try fields.string("model_b")
                    let label = try fields.string("winner")
                    guard !prompt.isEmpty else { throw FieldProblem(reason: .emptyPrompt, detail: "prompt is empty") }
                    guard !modelA.isEmpty, !modelB.isEmpty else {
                        throw FieldProblem(reason: .missingField, detail: "model_a or model_b is empty")
                    }
                    guard modelA != modelB else {
                        throw FieldProblem(reason: .sameModel, detail: "model_a and model_b are both '\(modelA)'")
                    }
                    let winner: BattleOutcome
                    if let outcome = BattleOutcome(label: label) {
                        winner = outcome
                    } else if label == modelA {
                        winner = .modelA
                    } else if label == modelB {
                        winner = .modelB
                    } else {
                        throw FieldProblem(reason: .unknownWinner,
                                           detail: "winner '\(label)' is neither model_a, model_b, tie, tie (bothbad) nor one of the two models")
                    }
                    result.keep(LabelledBattle(prompt: prompt, modelA: modelA, modelB: modelB, winner: winner,
                                             source: try fields.optionalString("source") ?? defaultSource,
                                             foughtAt: BattleTime.date(try fields.optionalString("time") ?? importTime)))
                } catch {
                    result.summary.skip(RowProblem(file: file, line: line, reason: error.reason, detail: error.detail))
                }
            }
        }
        return result
    }
}
