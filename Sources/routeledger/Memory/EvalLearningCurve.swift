import BattleStore
import Foundation
import Pipeline
import Ranking

/// `eval --learning-curve`: how fast the evaluation set's own votes turn into good routing. A
/// seeded share of its prompts is held out; the others arrive as votes in a seeded order, and
/// after 25, 50, 100, … of them (and all) the held-out block is routed by a router of the
/// starting memory plus the votes so far (`LearningCurve`). Repeated over seeds.
enum EvalLearningCurve {
    static let options: [Option] = [
        .flag("learning-curve", "Measure how routing quality grows as the evaluation set's votes arrive (golden or judge-scores sets)."),
        .value("holdout", "F", "Share of the evaluation set's prompts held out and routed at every step of the learning curve (default 0.2)."),
        .value("seeds", "N,N,…", "Learning curve: repeat with each seed (hold-out block and vote order), and report mean, min and max "
               + "per step (default: --seed)."),
    ]

    static let defaultHoldout = 0.2

    static func run(_ arguments: ParsedArguments, input: EvalCommand.Input, pair: RoutedPairSet, sharpness: KernelSharpness,
                    configuration: RouteLedgerConfiguration?) throws -> Int32 {
        guard arguments.string("folds") == nil else {
            throw UsageError("give --learning-curve or --folds, not both: the learning curve holds out its own block (--holdout)")
        }
        guard let readVotes = input.votes else {
            throw UsageError("--learning-curve needs an evaluation set whose answers become battles: --eval-format golden or judge-scores")
        }
        let holdout = try arguments.double("holdout", range: 0...1) ?? defaultHoldout
        guard holdout > 0 && holdout < 1 else { throw UsageError("option '--holdout' must lie strictly between 0 and 1, got \(holdout)") }
        let seeds = try seedList(arguments)
        let names = configuration?.modelNames ?? []
        // The votes under the names the router knows its models by, as a route stage's memory.
        let votes = readVotes.compactMap { vote -> LabelledBattle? in
            var battle = vote
            (battle.modelA, battle.modelB) = (names.resolve(vote.modelA), names.resolve(vote.modelB))
            return battle.modelA == battle.modelB ? nil : battle
        }
        let source = try MemorySource(arguments, configuration: configuration, allowingEmpty: true)
        let tierCount = try arguments.int("tiers", range: 1...100) ?? source.tierCount
        var embeddings = source.embeddings
        var seen = Set<String>()
        let prompts = (input.set.queries.map(\.prompt) + pair.prompts).filter { seen.insert($0).inserted }
        guard prompts.count >= 2 else { throw CommandFailure("a learning curve needs at least two prompts, one to hold out and one to learn") }
        let progress = ProgressBar(label: "embedding", unit: "prompts")
        let matrix = try embeddings.embeddings(for: prompts, cacheNew: true, progress: progress.update)
        let embedding = Dictionary(uniqueKeysWithValues: prompts.indices.map { (prompts[$0], matrix.row($0)) })
        let pairEmbeddings = FloatMatrix(rows: pair.prompts.count, columns: matrix.columns,
                                         values: pair.prompts.flatMap { embedding[$0]! })

        var curves: [LearningCurveReport.Curve] = []
        var start = 0
        for seed in seeds {
            let arrivals = VoteArrival(prompts: input.set.queries.map(\.prompt), holdout: holdout, seed: seed)
            let curve = LearningCurve(start: source.battles, votes: votes, embedding: embedding, pair: pair, pairEmbeddings: pairEmbeddings,
                                      arrivals: arrivals)
            guard curve.heldOutQueries > 0 else {
                throw CommandFailure("seed \(seed): no held-out prompt has a quality for both \(pair.strong) and \(pair.weak); raise --holdout")
            }
            start = curve.battleIndices(afterVotes: 0).count
            let steps = try VoteArrival.steps(votes: arrivals.arrivals.count).map { votes in
                do {
                    return try curve.step(afterVotes: votes, strong: pair.strong, weak: pair.weak, tierCount: tierCount,
                                          sameTierRule: source.sameTierRule, decay: source.decay(), sharpness: sharpness)
                } catch {
                    throw CommandFailure("seed \(seed), \(votes) votes: \(error)")
                }
            }
            printStandardError("seed \(seed): \(steps.count) steps, \(curve.heldOutQueries) held-out queries\n")
            curves.append(.init(seed: seed, heldOutQueries: curve.heldOutQueries, steps: steps))
        }

        let report = LearningCurveReport(strong: pair.strong, weak: pair.weak, embedder: embeddings.embedder.identity.description,
                                         start: "\(source.name) (\(start) battles of other prompts)", holdout: holdout,
                                         votes: curves[0].steps.last!.votes, sharpness: sharpness, curves: curves)
        if arguments.flag("json") {
            printJSONLine(report.jsonObject)
        } else {
            print(report.table, terminator: "")
        }
        if let plotPath = arguments.string("plot") {
            let plot = report.plot(title: arguments.string("title") ?? "Learning curve: \(pair.strong) vs \(pair.weak)")
            try EvalCommand.write(plot: plot.svg, to: plotPath)
        }
        return 0
    }

    /// `--seeds N,N,…`, else `--seed N`, else 1.
    private static func seedList(_ arguments: ParsedArguments) throws -> [UInt64] {
        guard let text = arguments.string("seeds") else {
            return [UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1)]
        }
        guard arguments.string("seed") == nil else { throw UsageError("give --seed or --seeds, not both") }
        let seeds = try text.split(separator: ",", omittingEmptySubsequences: false).map { field in
            guard let seed = UInt64(field.trimmingCharacters(in: .whitespaces)) else {
                throw UsageError("option '--seeds' expects seeds (whole numbers ≥ 0) separated by commas, got '\(field)'")
            }
            return seed
        }
        guard Set(seeds).count == seeds.count else { throw UsageError("option '--seeds' names a seed twice: '\(text)'") }
        return seeds
    }
}
