import Foundation
import Ranking

/// Chatbot Arena's published preference data (the `lmsys-arena-human-preference-55k` layout), as
/// CSV, or JSON Lines when the file name ends in `.jsonl`: `model_a`, `model_b`, the 0/1 flags
/// `winner_model_a`, `winner_model_b`, `winner_tie`, and `prompt`, a JSON list of the
/// conversation's user turns.
///
/// As RouteLLM prepares Arena battles for its SW router, a battle's prompt is the first turn and
/// battles whose prompt is shorter than 16 characters are dropped. A `tstamp` (Unix seconds),
/// when present, becomes the battle's time.
public enum ArenaPreferenceFormat {
    public static let name = "lmsys-arena"
    public static let minimumPromptLength = 16
    static let requiredColumns = ["model_a", "model_b", "winner_model_a", "winner_model_b", "winner_tie", "prompt"]

    public static func read(files: [String], importTime: String) throws(InputError) -> ImportedBattles {
        var result = ImportedBattles()
        for file in files {
            let source = sourceName(format: name, file: file)
            if file.hasSuffix(".jsonl") {
                for (line, parsed) in JSONLines(bytes: try InputFiles.read(file)) {
                    result.summary.rowsRead += 1
                    do throws(FieldProblem) {
                        let fields = try JSONFields(line: parsed)
                        let row = try ArenaRow(modelA: fields.string("model_a"), modelB: fields.string("model_b"),
                                               flags: requiredColumns[2...4].map { key throws(FieldProblem) in try fields.optionalNumber(key) ?? 0 },
                                               turns: fields.object["prompt"], tstamp: fields.optionalNumber("tstamp"))
                        result.keep(try row.battle(source: source, importTime: importTime))
                    } catch {
                        result.summary.skip(RowProblem(file: file, line: line, reason: error.reason, detail: error.detail))
                    }
                }
                continue
            }
            try readCSV(file: file, source: source, importTime: importTime, into: &result)
        }
        return result
    }

    private static func readCSV(file: String, source: String, importTime: String,
                                into result: inout ImportedBattles) throws(InputError) {
        guard let table = try CSVTable.read(file: file) else { return }
        let columns = try requiredColumns.map { column throws(InputError) in
            guard let index = table.column(named: column) else {
                throw InputError("\(file): no column '\(column)' (expected \(requiredColumns.joined(separator: ", ")))")
            }
            return index
        }
        let tstampColumn = table.column(named: "tstamp")
        for record in table {
            result.summary.rowsRead += 1
            do throws(FieldProblem) {
                let fields = try record.mapError { FieldProblem(reason: .unreadableRow, detail: $0.reason) }.get().fields
                let flags = try (2...4).map { position throws(FieldProblem) in
                    try number(fields[columns[position]], column: requiredColumns[position]) ?? 0
                }
                let tstamp = try tstampColumn.flatMap { column throws(FieldProblem) in try number(fields[column], column: "tstamp") }
                let row = ArenaRow(modelA: fields[columns[0]], modelB: fields[columns[1]], flags: flags,
                                   turns: fields[columns[5]], tstamp: tstamp)
                result.keep(try row.battle(source: source, importTime: importTime))
            } catch {
                let line: Int = switch record {
                case .success(let row): row.line
                case .failure(let syntax): syntax.line
                }
                result.summary.skip(RowProblem(file: file, line: line, reason: error.reason, detail: error.detail))
            }
        }
    }

    private static func number(_ text: String, column: String) throws(FieldProblem) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard let value = Double(trimmed), value.isFinite else {
            throw FieldProblem(reason: .malformedField, detail: "column '\(column)' is not a number: '\(text)'")
        }
        return value
    }
}

/// One row of either layout before it is checked.
private struct ArenaRow {
    let modelA: String
    let modelB: String
    /// winner_model_a, winner_model_b, winner_tie.
    let flags: [Double]
    /// A JSON list of turns, or a string holding one.
    let turns: Any?
    let tstamp: Double?

    func battle(source: String, importTime: String) throws(FieldProblem) -> LabelledBattle {
        let outcomes: [BattleOutcome] = [.modelA, .modelB, .tie]
        let set = flags.indices.filter { flags[$0] == 1 }
        guard set.count == 1, flags.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw FieldProblem(reason: .noSingleWinner,
                               detail: "winner_model_a, winner_model_b, winner_tie must be one 1 and two 0s, got \(flags.map { formatFlag($0) }.joined(separator: ", "))")
        }
        guard !modelA.isEmpty, !modelB.isEmpty else {
            throw FieldProblem(reason: .missingField, detail: "model_a or model_b is empty")
        }
        guard modelA != modelB else {
            throw FieldProblem(reason: .sameModel, detail: "model_a and model_b are both '\(modelA)'")
        }
        let prompt = try firstTurn()
        guard prompt.unicodeScalars.count >= ArenaPreferenceFormat.minimumPromptLength else {
            throw FieldProblem(reason: .shortPrompt,
                               detail: "prompt has \(prompt.unicodeScalars.count) characters, fewer than \(ArenaPreferenceFormat.minimumPromptLength)")
        }
        let time = tstamp.map { BattleTime.string(Date(timeIntervalSince1970: $0)) } ?? importTime
        return LabelledBattle(prompt: prompt, modelA: modelA, modelB: modelB, winner: outcomes[set[0]], source: source, foughtAt: BattleTime.date(time))
    }

    private func firstTurn() throws(FieldProblem) -> String {
        var list = turns
        if let text = turns as? String {
            list = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        }
        guard let array = list as? [Any] else {
            throw FieldProblem(reason: .malformedField, detail: "prompt is not a JSON list of turns")
        }
        guard let first = array.first as? String, !first.isEmpty else {
            throw FieldProblem(reason: .emptyPrompt, detail: "the first turn of the prompt is missing or empty")
        }
        return first
    }

    private func formatFlag(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
