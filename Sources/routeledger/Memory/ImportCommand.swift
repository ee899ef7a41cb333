import BattleStore
import Embeddings
import Foundation
import Pipeline
import Postgres
import Ranking

/// `routeledger import`: reads battles in a published format, embeds their prompts and appends
/// them to a memory directory.
enum ImportCommand: Command {
    static let name = "import"
    static let summary = "add battles from Arena, judge-score or golden-label files to a battle memory or PostgreSQL"
    static let positionalUsage = "FILE|DIR..."
    static let discussion = """
        Formats:
          lmsys-arena    Chatbot Arena preference CSV (or .jsonl): model_a, model_b, winner_model_a,
                         winner_model_b, winner_tie, prompt (a JSON list of turns; the first is kept,
                         prompts under 16 characters are dropped)
          battles-jsonl  one battle per line: prompt, model_a, model_b, winner [, source, time]
          judge-scores   judgment lines (question_id, model, score) plus --questions FILE; every pair
                         of models scored on a question is a battle, scores below 1 are dropped
          golden         CSV with a prompt column and one True/False column per model; correct beats
                         incorrect, equal answers tie
        A directory stands for its .csv / .jsonl files. Each distinct prompt is embedded once (and
        kept in the memory's prompt cache, so a re-run after an interruption embeds nothing twice);
        all battles are then appended in one commit. Bad rows are reported as file:line and skipped.
        Exits 1 when no battle at all could be imported.
        --rename FROM=TO stores the battles of model FROM as TO's (e.g.
        --rename mistralai/Mixtral-8x7B-Instruct-v0.1=mixtral-8x7b-instruct-v0.1, for a configuration
        that names the model so); repeat it for several models. The renames apply all at once to the
        names the files give, and how many battles each touched is reported. A rename of a name no
        battle has, or one that would leave a battle between a model and itself, stops the import
        before anything is embedded or written.
        With --database instead of --memory, the battles go to PostgreSQL's battles table (migrated
        with `routeledger migrate`) in one transaction that also refits the global ratings and tiers
        as a new ratings version and tells running routers (see docs/LEARNING.md).
        Every import then chooses the kernel sharpness γ by cross-validation on the whole memory
        (docs/METHOD.md) and stores it, with the scores it rests on, in the memory's manifest or
        with the ratings version: routers set to `--kernel-sharpness auto` (or
        routing.kernel_sharpness "auto") rank with it. The summary reports it.
        """
    static let options: [Option] = [
        .value("format", "F", "lmsys-arena, battles-jsonl, judge-scores or golden."),
        .value("memory", "DIR", "Memory directory (created if absent)."),
        .value("database", "URL", "Import into PostgreSQL's battles table instead (a URL or key=value string)."),
        .value("questions", "FILE", "Question file of judge-scores (question_id, turns)."),
        .value("tiers", "N", "Number of tiers (default 10 for a new memory)."),
        .value("batch", "N", "Prompts per embedding call (default 64)."),
        .value("show", "N", "Bad rows listed per reason (default 10; all are counted)."),
        .value("rename", "FROM=TO", "Store model FROM's battles under the name TO; repeatable.", repeatable: true),
        .flag("json", "Print the summary as one JSON object."),
    ] + EmbedderChoice.memoryOptions

    static let formats = [ArenaPreferenceFormat.name, BattleLinesFormat.name, JudgeScoresFormat.name, GoldenLabelsFormat.name]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        guard let format = try arguments.choice("format", from: formats) else {
            throw UsageError("option '--format' is required (one of \(formats.joined(separator: ", ")))")
        }
        switch (arguments.string("memory"), arguments.string("database")) {
        case (nil, nil): throw UsageError("give --memory DIR or --database URL")
        case (_?, _?): throw UsageError("give --memory DIR or --database URL, not both")
        default: break
        }
        let inputs = arguments.positionals
        guard !inputs.isEmpty else { throw UsageError("name at least one input FILE or DIR") }
        let questions = arguments.string("questions")
        if format == JudgeScoresFormat.name, questions == nil {
            throw UsageError("judge-scores needs --questions FILE")
        }
        if format != JudgeScoresFormat.name, questions != nil {
            throw UsageError("option '--questions' belongs to --format judge-scores")
        }
        let tiers = try arguments.int("tiers", range: 1...100)
        let batch = try arguments.int("batch", range: 1...4096) ?? 64
        let shown = try arguments.int("show", range: 0...Int.max) ?? 10
        let json = arguments.flag("json")
        let renames = try renames(arguments)
        let source = Source(format: format, inputs: inputs, questions: questions, shown: shown, renames: renames)
        if arguments.string("database") != nil {
            return try importIntoDatabase(arguments, source: source, tiers: tiers, batch: batch, json: json)
        }
        let memoryURL = URL(fileURLWithPath: try arguments.requiredString("memory"))
        let existing = try? MemoryDirectory.open(memoryURL)
        let embedder = try EmbedderChoice.load(arguments, forMemory: existing?.manifest.embedder)
        if let existing { try existing.checkEmbedder(embedder.identity, dimension: embedder.dimension) }

        let (imported, renamed) = try read(source)
        guard !imported.battles.isEmpty else {
            printSummary(imported.summary, renamed: renamed, memory: existing?.manifest, json: json)
            throw CommandFailure("no battle could be imported from \(inputs.joined(separator: ", "))")
        }

        printStandardError("embedding with \(embedder.identity)\n")
        let progress = ProgressBar(label: "embedding", unit: "prompts")
        let directory = try BattleImport.append(imported, to: memoryURL, embedder: embedder, tierCount: tiers,
                                                batchSize: batch, progress: progress.update)
        printSharpnessChoice(directory.manifest.kernelSharpness?.selection)
        printSummary(imported.summary, renamed: renamed, memory: directory.manifest, json: json)
        return 0
    }

    /// What to read and how: the files, their format, and the models to rename.
    private struct Source {
        let format: String
        let inputs: [String]
        let questions: String?
        let shown: Int
        let renames: ModelRenames
    }

    /// `--rename FROM=TO`, each well formed, no name twice.
    private static func renames(_ arguments: ParsedArguments) throws -> ModelRenames {
        let renames = try arguments.strings("rename").map { text in
            guard let rename = ModelRenames.rename(parsing: text) else {
                throw UsageError("option '--rename' expects FROM=TO, two model names, got '\(text)'")
            }
            return rename
        }
        do {
            return try ModelRenames(renames)
        } catch {
            throw UsageError("option '--rename': \(error.description)")
        }
    }

    /// The battles of the input files, renamed, with every bad row reported, and the battles
    /// each rename touched.
    private static func read(_ source: Source) throws -> (ImportedBattles, [(ModelRenames.Rename, Int)]) {
        let (format, inputs, questions) = (source.format, source.inputs, source.questions)
        let now = BattleTime.string(Date())
        var imported: ImportedBattles
        switch format {
        case ArenaPreferenceFormat.name:
            imported = try ArenaPreferenceFormat.read(files: InputFiles.expand(inputs, extensions: ["csv", "jsonl"]), importTime: now)
        case BattleLinesFormat.name:
            imported = try BattleLinesFormat.read(files: InputFiles.expand(inputs, extensions: ["jsonl"]), importTime: now)
        case JudgeScoresFormat.name:
            imported = try JudgeScoresFormat.read(questions: questions!, judgments: InputFiles.expand(inputs, extensions: ["jsonl"]),
                                                  importTime: now)
        default:
            imported = try GoldenLabelsFormat.read(files: InputFiles.expand(inputs, extensions: ["csv"]), importTime: now)
        }
        reportProblems(imported.summary, shown: source.shown)
        let models = Set(imported.battles.flatMap { [$0.modelA, $0.modelB] })
        let touched: [Int]
        do {
            touched = try source.renames.apply(to: &imported.battles)
        } catch {
            throw CommandFailure("option '--rename': \(error.description)")
        }
        let renamed = Array(zip(source.renames.renames, touched))
        if !imported.battles.isEmpty, let unused = renamed.first(where: { $0.1 == 0 })?.0 {
            let closest = closestNames(to: unused.from, among: Array(models)).prefix(10)
            throw CommandFailure("option '--rename': no battle names '\(unused.from)'; the files' models, closest first: "
                                 + closest.joined(separator: ", ") + (models.count > 10 ? ", … (\(models.count) in all)" : ""))
        }
        return (imported, renamed)
    }

    /// `--database`: embeds each distinct prompt once, then appends every battle and refits in
    /// one transaction. The embedder is the one of the battles already stored, unless named.
    private static func importIntoDatabase(_ arguments: ParsedArguments, source: Source, tiers: Int?, batch: Int,
                                           json: Bool) throws -> Int32 {
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 10)
        let hasTable = try connection.query("SELECT to_regclass('battles') IS NOT NULL AS present")[0].decode(Bool.self, column: "present")
        guard hasTable else {
            throw CommandFailure("\(connection) has no battles table: run `routeledger migrate` first")
        }
        let stored = try BattleTable(connection).embedders()
        let embedder: any Embedder
        if arguments.string("embedder") == nil, let identity = stored.first {
            guard let choice = EmbedderChoice(identity: identity) else {
                throw CommandFailure("the database's battles were embedded by \(identity), which this tool cannot run")
            }
            try choice.refuseMiniLMOptions(arguments)
            embedder = try choice.load(arguments, batchSize: 32, precisionOtherwise: MiniLMEmbedder.precision(of: identity))
        } else {
            embedder = try EmbedderChoice.parse(arguments).load(arguments, batchSize: 32)
        }
        do {
            try BattleTable(connection).checkEmbedder(embedder.identity)
        } catch let error as LearningError {
            throw CommandFailure(error.description)
        }

        let (imported, renamed) = try read(source)
        guard !imported.battles.isEmpty else {
            printSummary(imported.summary, renamed: renamed, memory: nil, json: json)
            throw CommandFailure("no battle could be imported from \(source.inputs.joined(separator: ", "))")
        }
        printStandardError("embedding with \(embedder.identity)\n")
        let progress = ProgressBar(label: "embedding", unit: "prompts")
        let version = try DatabaseImport.embedAndAppend(imported.battles, embedder: embedder, batchSize: batch,
                                                        tierCount: tiers ?? MemoryDirectory.defaultTierCount,
                                                        rounds: RouteLedgerConfiguration().learning.bootstrapRounds, on: connection,
                                                        progress: { progress.update(done: $0, total: $1) })
        printSummary(imported.summary, renamed: renamed, memory: nil, json: json, database: version)
        return 0
    }

    /// Every bad row up to `shown` per reason, as file:line: detail; the rest are counted.
    static func reportProblems(_ summary: ReadSummary, shown: Int) {
        var listed: [SkipReason: Int] = [:]
        for problem in summary.problems {
            listed[problem.reason, default: 0] += 1
            if listed[problem.reason]! <= shown { printStandardError("\(problem)\n") }
        }
        for (reason, count) in summary.skippedByReason.sorted(by: { $0.key < $1.key }) where count > shown {
            printStandardError("… and \(count - shown) more rows skipped for: \(reason)\n")
        }
    }

    /// The γ the import chose: a number in JSON, as `--kernel-sharpness` takes it in text.
    private static func sharpnessFigures(_ sharpness: Double, json: Bool) -> [(String, Any)] {
        [("kernel_sharpness", json ? sharpness : KernelSharpness.fixed(sharpness).description)]
    }

    private static func printSummary(_ summary: ReadSummary, renamed: [(ModelRenames.Rename, Int)], memory: MemoryManifest?, json: Bool,
                                     database: RatingsVersion? = nil) {
        var figures: [(String, Any)] = [
            ("rows_read", summary.rowsRead),
            ("battles_kept", summary.kept),
            ("rows_skipped", summary.skipped),
        ]
        let reasons = summary.skippedByReason.sorted { $0.key < $1.key }
        if json {
            figures.append(("skipped_by_reason", Dictionary(uniqueKeysWithValues: reasons.map { ($0.key.phrase, $0.value) })))
        } else {
            figures += reasons.map { ("  \($0.key)", $0.value) as (String, Any) }
        }
        if !renamed.isEmpty {
            figures += json ? [("renamed_battles", Dictionary(uniqueKeysWithValues: renamed.map { ($0.0.from, $0.1) }))]
                : renamed.map { ("renamed \($0.0.from) → \($0.0.to)", $0.1) }
        }
        if let memory {
            figures += [("memory_battles", memory.battleCount), ("memory_models", memory.models.count),
                        ("memory_tiers", memory.tierCount)]
            if let choice = memory.kernelSharpness { figures += sharpnessFigures(choice.chosen, json: json) }
        }
        if let database {
            figures += [("database_battles", database.battleCount), ("database_models", database.models.count),
                        ("ratings_version", database.label)]
            if let sharpness = database.kernelSharpness { figures += sharpnessFigures(sharpness, json: json) }
        }
        printFigures(figures, json: json)
    }
}
