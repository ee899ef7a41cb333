import BattleStore
import Foundation
import Pipeline
import Ranking

/// `routeledger eval`: routing quality of the SW router against the random baseline on an
/// evaluation set, in the RouteLLM paper's terms.
enum EvalCommand: Command {
    static let name = "eval"
    static let summary = "measure APGR, CPT and PGR of SW routing on an evaluation set, and plot the curve"
    static let discussion = """
        Evaluation sets (--eval-format, default from the name: .jsonl → jsonl, .csv or a directory →
        golden):
          jsonl         {"prompt": …, "quality": {"model": score or true/false, …}} per line
          golden        RouteLLM's MMLU CSV layout: prompt, then True/False per model
          judge-scores  judgment lines (question_id, model, score) with --questions FILE
        Queries without a quality for both --strong and --weak are left out (and counted).
        Prints, for the SW router and the random baseline, APGR (the paper's mean of PGR at
        10 %, 20 %, …, 100 % strong calls, and RouteLLM's trapezoid over 0 %, …, 100 %), CPT(50 %)
        and CPT(80 %) (strong-call shares in percent), AIQ (RouterBench: the area under the
        non-decreasing convex hull of quality against cost normalised from weak-only to
        strong-only), PGR at 20/50/80 % strong calls, and the
        strong-only and weak-only qualities. The random baseline is the exact expectation: PGR
        equals the strong share. With --folds K the evaluation set is split by prompt into K folds
        and each fold is routed by a router built (global ratings and tiers included) only from
        battles whose prompt is not in that fold; without it the whole memory routes every query,
        as route does (over the battles table, with its ratings version's tiers unless --tiers).
        With --kernel-sharpness auto each fold's router chooses γ by cross-validation on its own
        battles only (never on the fold's prompts); without --folds the memory's stored choice is
        used (one is made when none is stored). The γ of every router is reported.
        --fold-scores chooses how the folds' scores are pooled before one threshold sweeps them:
        win-rate (default) as they are; quantile, each fold's win rates replaced by their
        quantiles within the fold, so that every threshold sends the same share of each fold to
        the strong model, as routers that calibrate their threshold to a strong share would —
        the comparison to use when the folds' routers differ in kernel sharpness (auto), whose
        win rates are spread on different scales.

        --learning-curve (golden and judge-scores sets, whose answers become battles as import
        makes them): a seeded --holdout share of the prompts (default 0.2) is held out; the others
        arrive as votes (a prompt with its battles) in a seeded order, and after 25, 50, 100, …
        votes and all of them the held-out block is routed by a router of the starting memory plus
        the votes so far (ratings, tiers and, with auto, γ refit on those battles). The starting
        memory is --memory DIR|database (without its battles of evaluation prompts) or --memory
        none (empty; --embedder chooses the embedder). Per step: APGR (both forms), CPT(50 %),
        AIQ, PGR at 40 % strong calls and γ; with --seeds N,N,… the mean, lowest and highest, and
        per seed the votes until PGR at 40 % exceeds 0.5 (first, and for good). A step whose router cannot tell the
        queries apart gets the random router's figures (marked *). --plot draws APGR against the
        votes (log scale).

        --candidates A,B,… (with --strong, the reference): the route stage's rule among many
        models (the cheapest candidate the reference does not beat with probability ≥ the
        threshold) at every threshold: quality against cost, AIQ against a random mix of the
        models, and the share each model answers at budgets of 25, 50 and 75 % of the way from the
        cheapest model alone to the dearest. Each answer costs the model's price (--prices FILE,
        else the configuration's models) of the route stage's token estimate: a quarter of the
        prompt's UTF-8 bytes in, --output-tokens out (default routing.estimated_output_tokens, else
        256); the evaluation sets carry no token counts. --plot draws quality against that cost,
        the rule's and a random mix's of the models alone.
        """
    static let options: [Option] = [
        .value("eval", "FILE|DIR", "Evaluation set; repeat for several files.", repeatable: true),
        .value("eval-format", "F", "jsonl, golden or judge-scores (default: from the name)."),
        .value("questions", "FILE", "Question file of a judge-scores evaluation set."),
        .value("contamination", "FILE", "Prompts to leave out (RouteLLM's contaminated_prompts.jsonl)."),
        .value("strong", "MODEL", "Strong model (default: the configuration's routing.strong)."),
        .value("weak", "MODEL", "Weak model (default: the configuration's cheapest candidate)."),
        .value("folds", "K", "K-fold cross-validation with the evaluation set as battle source."),
        .value("seed", "N", "Seed of the fold assignment (default 1)."),
        .value("fold-scores", "HOW", "win-rate or quantile: how --folds pools its folds' scores (default win-rate)."),
        MemorySource.tiersOption,
        KernelSharpness.option,
        .value("plot", "FILE", "Write the quality-versus-strong-share figure as SVG."),
        .value("title", "TEXT", "Title of the figure (default: the two models)."),
        .flag("json", "Print one JSON object with the figures and curves."),
    ] + EvalLearningCurve.options + EvalCandidates.options + MemorySource.options + EmbedderChoice.memoryOptions

    /// `--fold-scores`, which only cross-validation has.
    private static func foldPooling(_ arguments: ParsedArguments, folds: Int?) throws -> SWScoring.FoldPooling {
        guard let text = arguments.string("fold-scores") else { return .winRate }
        guard folds != nil else { throw UsageError("option '--fold-scores' belongs to --folds") }
        guard let pooling = SWScoring.FoldPooling(rawValue: text) else {
            throw UsageError("option '--fold-scores': '\(text)' is neither \(SWScoring.FoldPooling.allCases.map(\.rawValue).joined(separator: " nor "))")
        }
        return pooling
    }

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let configuration = try MemorySource.configuration(arguments)
        if arguments.string("fold-scores") != nil && (arguments.string("candidates") != nil || arguments.flag("learning-curve")) {
            throw UsageError("option '--fold-scores' belongs to the pair evaluation with --folds, not to --candidates or --learning-curve")
        }
        if let candidates = arguments.string("candidates") {
            return try EvalCandidates.run(arguments, list: candidates, configuration: configuration)
        }
        for option in ["prices", "output-tokens"] where arguments.string(option) != nil {
            throw UsageError("option '--\(option)' belongs to --candidates")
        }
        let named = MemorySource.pair(arguments, configuration: configuration)
        guard let strong = named.strong, let weak = named.weak else {
            throw UsageError("option '--\(named.strong == nil ? "strong" : "weak")' is required (or --config FILE with a routing pair)")
        }
        guard strong != weak else { throw UsageError("--strong and --weak name the same model '\(strong)'") }
        let folds = try arguments.int("folds", range: 2...1_000_000)
        let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1)
        let sharpness = try MemorySource.kernelSharpness(arguments, configuration: configuration)
        let pooling = try foldPooling(arguments, folds: folds)
        let json = arguments.flag("json")
        for option in ["holdout", "seeds"] where arguments.string(option) != nil && !arguments.flag("learning-curve") {
            throw UsageError("option '--\(option)' belongs to --learning-curve")
        }
        let evalSet = try readEvalSet(arguments, withVotes: arguments.flag("learning-curve"))
        let pair = evalSet.set.pair(strong: strong, weak: weak, modelName: (configuration?.modelNames ?? []).resolve)
        guard !pair.prompts.isEmpty else {
            throw CommandFailure("no query of the evaluation set has a quality for both \(strong) and \(weak)")
        }
        printStandardError("evaluation set: \(evalSet.set.summary.rowsRead) rows, \(evalSet.set.queries.count) queries kept, "
                           + "\(pair.prompts.count) with both models (\(pair.leftOut) without)\n")
        ImportCommand.reportProblems(evalSet.set.summary, shown: 3)
        if arguments.flag("learning-curve") {
            return try EvalLearningCurve.run(arguments, input: evalSet, pair: pair, sharpness: sharpness, configuration: configuration)
        }

        let source = try MemorySource(arguments, configuration: configuration)
        let tiers = try arguments.int("tiers", range: 1...100)
        let battles = source.battles
        var embeddings = source.embeddings
        let embedder = embeddings.embedder
        let progress = ProgressBar(label: "embedding", unit: "prompts")
        let matrix = try embeddings.embeddings(for: pair.prompts, cacheNew: true, progress: progress.update)
        let validation = folds.map { CrossValidation(prompts: pair.prompts, folds: $0, seed: seed) }
        if validation == nil {
            let battlePrompts = Set(battles.battles.map(\.prompt))
            let overlap = pair.prompts.count { battlePrompts.contains($0) }
            if overlap > 0 {
                printStandardError("warning: \(overlap) evaluation prompts have battles in the memory and are routed with them; use --folds K\n")
            }
        }
        let result: SWScoring.Result
        do {
            if let validation {
                result = try SWScoring.score(prompts: pair.prompts, embeddings: matrix, battles: battles, strong: strong, weak: weak,
                                             tierCount: tiers ?? source.tierCount, sameTierRule: source.sameTierRule, decay: source.decay(),
                                             sharpness: sharpness, validation: validation, pooling: pooling)
            } else {
                result = try SWScoring.score(embeddings: matrix, routing: try source.routingMemory(tiers: tiers), strong: strong, weak: weak,
                                             sameTierRule: source.sameTierRule, decay: source.decay(), sharpness: sharpness,
                                             storedSharpness: source.storedSharpness(tierCount: tiers ?? source.tierCount))
            }
        } catch let unknown as UnknownModel {
            throw UsageError(unknown.description)
        }
        let kernels = Set(result.folds.map(\.sharpness))
        if pooling == .winRate && kernels.count > 1 {
            printStandardError("warning: the folds' routers use different kernel sharpnesses (\(kernels.sorted().map { KernelSharpness.fixed($0).description }.joined(separator: ", "))), "
                               + "whose win rates are spread on different scales; --fold-scores quantile compares them at equal strong shares\n")
        }
        for (index, fold) in result.folds.enumerated() where fold.strongTier == fold.weakTier {
            printStandardError("warning: fold \(index + 1): \(strong) and \(weak) share tier \(fold.strongTier), so all its queries score 0.5\n")
        }

        let evaluation = RoutingEvaluation(scores: result.scores, strongQuality: pair.strongQuality, weakQuality: pair.weakQuality)
        let report = EvalReport(pair: pair, embedder: embedder.identity.description, folds: folds, seed: seed, pooling: pooling,
                                sharpness: sharpness,
                                routers: result.folds,
                                sw: RouterFigures(evaluation),
                                random: .randomExpectation(strongOnly: evaluation.strongOnlyQuality, weakOnly: evaluation.weakOnlyQuality),
                                strongOnly: evaluation.strongOnlyQuality, weakOnly: evaluation.weakOnlyQuality)
        if json {
            printJSONLine(report.jsonObject)
        } else {
            print(report.table, terminator: "")
        }
        if let plotPath = arguments.string("plot") {
            let plot = report.plot(title: arguments.string("title") ?? "\(strong) vs \(weak)", qualityLabel: evalSet.qualityLabel)
            try write(plot: plot.svg, to: plotPath)
        }
        return 0
    }

    /// Writes a figure of `--plot`, and says so.
    static func write(plot svg: String, to path: String) throws {
        do {
            try Data(svg.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
        }
        printStandardError("figure written to \(path)\n")
    }

    /// An evaluation set as read, with what its quality is called and, for the formats whose
    /// answers become battles (golden, judge-scores), those battles as `import` makes them.
    struct Input {
        let set: EvalSet
        let qualityLabel: String
        /// Of the set's queries only (the contaminated left out); nil for jsonl, or when not asked for.
        let votes: [LabelledBattle]?
    }

    static func readEvalSet(_ arguments: ParsedArguments, withVotes: Bool) throws -> Input {
        let inputs = arguments.strings("eval")
        guard let first = inputs.first else { throw UsageError("option '--eval' is required") }
        let formats = ["jsonl", "golden", "judge-scores"]
        let format = try arguments.choice("eval-format", from: formats) ?? (first.hasSuffix(".jsonl") ? "jsonl" : "golden")
        let questions = arguments.string("questions")
        guard (format == "judge-scores") == (questions != nil) else {
            throw UsageError(questions == nil ? "judge-scores needs --questions FILE" : "option '--questions' belongs to --eval-format judge-scores")
        }
        var set: EvalSet
        let label: String
        var votes: [LabelledBattle]?
        // The votes arrive now, as far as time decay is concerned.
        let now = BattleTime.string(Date())
        switch format {
        case "jsonl":
            set = try EvalSet.readJSONLines(files: InputFiles.expand(inputs, extensions: ["jsonl"]))
            label = "Mean quality"
        case "golden":
            let labels = try GoldenLabels.read(files: InputFiles.expand(inputs, extensions: ["csv"]))
            set = EvalSet(golden: labels)
            votes = withVotes ? labels.battles(time: now) : nil
            label = "Accuracy"
        default:
            let scores = try JudgeScores.read(questions: questions!, judgments: InputFiles.expand(inputs, extensions: ["jsonl"]))
            set = EvalSet(judgeScores: scores)
            votes = withVotes ? scores.battles(source: sourceName(format: JudgeScoresFormat.name, file: questions!), time: now) : nil
            label = "Mean judge score (1–10)"
        }
        if let contamination = arguments.string("contamination") {
            set.remove(contaminated: try ContaminationList.read(contamination))
        }
        let kept = Set(set.queries.map(\.prompt))
        return Input(set: set, qualityLabel: label, votes: votes?.filter { kept.contains($0.prompt) })
    }
}
