import BattleStore
import Foundation
import Ledger
import Pipeline
import Ranking

/// `eval --candidates A,B,C,…`: the route stage's rule among many models (`RoutingRule`: the
/// cheapest candidate the reference does not beat with probability ≥ the threshold) at every
/// threshold, on an evaluation set with each model's quality: quality against cost, AIQ, and the
/// share each model answers at a few budgets. A query's cost on a model is the model's price of
/// the route stage's own estimate of its tokens: a quarter of the prompt's UTF-8 bytes in, and
/// `--output-tokens` (the configuration's `routing.estimated_output_tokens`, else 256) out.
enum EvalCandidates {
    static let options: [Option] = [
        .value("candidates", "A,B,…", "Evaluate the rule among these models (the --strong reference added) at every threshold."),
        .value("prices", "FILE", "With --candidates: price list of the models (see 'routeledger prices import'; default: the "
               + "configuration's models)."),
        .value("output-tokens", "N", "With --candidates: output tokens each answer is priced at (default: routing.estimated_output_tokens, "
               + "else 256)."),
    ]

    static let defaultOutputTokens: Int64 = 256

    static func run(_ arguments: ParsedArguments, list: String, configuration: RouteLedgerConfiguration?) throws -> Int32 {
        for conflict in ["weak", "learning-curve"] where arguments.string(conflict) != nil || arguments.flag(conflict) {
            throw UsageError("give --candidates or --\(conflict), not both: --candidates names every model routed to")
        }
        let names = configuration?.modelNames ?? []
        let listed = list.split(separator: ",", omittingEmptySubsequences: false).map { names.resolve($0.trimmingCharacters(in: .whitespaces)) }
        if let empty = listed.firstIndex(of: "") { throw UsageError("option '--candidates': model \(empty + 1) of '\(list)' is empty") }
        guard Set(listed).count == listed.count else { throw UsageError("option '--candidates' names a model twice: '\(list)'") }
        guard let reference = arguments.string("strong").map(names.resolve) ?? configuration?.routing.strong else {
            throw UsageError("option '--strong' is required with --candidates: the reference model the others are weighed against")
        }
        let cheaper = listed.filter { $0 != reference }
        guard !cheaper.isEmpty else {
            throw UsageError("option '--candidates' needs at least two models, the --strong reference and a cheaper one; got '\(list)'")
        }
        let priced = try priceList(arguments, configuration: configuration)
        let prices = priced.list.prices
        for model in cheaper + [reference] where prices[model] == nil {
            throw UsageError("\(priced.option): no price of '\(model)' in \(priced.source)")
        }
        // The rule gives a query to a cheaper candidate instead of the reference, never to a dearer one.
        if let dearer = cheaper.first(where: { RouteLedgerConfiguration.cheapestFirst([$0, reference], prices: prices)[0] == reference }) {
            throw UsageError("option '--candidates': '\(dearer)' costs more than the reference \(reference) (input plus output price); "
                             + "the rule chooses among models cheaper than the reference")
        }
        let outputTokens = Int64(try arguments.int("output-tokens", range: 0...1_000_000) ?? Int(configuration?.routing.estimatedOutputTokens
                                                                                                 ?? defaultOutputTokens))
        let candidates = RouteLedgerConfiguration.cheapestFirst(cheaper, prices: prices) + [reference]
        let folds = try arguments.int("folds", range: 2...1_000_000)
        let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1)
        let sharpness = try MemorySource.kernelSharpness(arguments, configuration: configuration)

        let input = try EvalCommand.readEvalSet(arguments, withVotes: false)
        let known = Set(input.set.queries.flatMap { $0.quality.keys.map(names.resolve) })
        if let missing = candidates.first(where: { !known.contains($0) }) {
            throw UsageError("option '--candidates': '\(missing)' has no quality in the evaluation set (it has \(known.sorted().joined(separator: ", ")))")
        }
        let set = input.set.candidates(candidates, modelName: names.resolve)
        guard !set.prompts.isEmpty else { throw CommandFailure("no query of the evaluation set has a quality for every candidate") }
        printStandardError("evaluation set: \(input.set.queries.count) queries, \(set.prompts.count) with every candidate (\(set.leftOut) without)\n")

        let source = try MemorySource(arguments, configuration: configuration)
        let tiers = try arguments.int("tiers", range: 1...100)
        var embeddings = source.embeddings
        let progress = ProgressBar(label: "embedding", unit: "prompts")
        let matrix = try embeddings.embeddings(for: set.prompts, cacheNew: true, progress: progress.update)
        let routers: [SWScoring.FoldRatings]
        do {
            if let folds {
                routers = try SWScoring.ratings(prompts: set.prompts, embeddings: matrix, battles: source.battles, of: candidates,
                                                tierCount: tiers ?? source.tierCount, sameTierRule: source.sameTierRule, decay: source.decay(),
                                                sharpness: sharpness, validation: CrossValidation(prompts: set.prompts, folds: folds, seed: seed))
            } else {
                routers = [try SWScoring.ratings(embeddings: matrix, routing: try source.routingMemory(tiers: tiers), of: candidates,
                                                 sameTierRule: source.sameTierRule, decay: source.decay(), sharpness: sharpness,
                                                 storedSharpness: source.storedSharpness(tierCount: tiers ?? source.tierCount))]
            }
        } catch let unknown as UnknownModel {
            throw UsageError("option '--candidates': \(unknown)")
        }

        var queries = [CandidateSweep.Query?](repeating: nil, count: set.prompts.count)
        for router in routers {
            let candidateTiers = try candidates.map { try router.routing.tier(of: $0) }
            for (row, ratings) in zip(router.rows, router.ratings) {
                let inputTokens = estimatedInputTokens(promptBytes: set.prompts[row].utf8.count)
                queries[row] = CandidateSweep.Query(ratings: ratings, candidateTiers: candidateTiers, quality: set.quality[row],
                                                    cost: candidates.map { prices[$0]!.cost(inputTokens: inputTokens,
                                                                                                   outputTokens: outputTokens).microunits })
            }
        }
        let report = CandidatesReport(candidates: candidates, prices: candidates.map { prices[$0]! }, priceSource: priced.source,
                                      outputTokens: outputTokens, queries: set.prompts.count, folds: folds, seed: seed,
                                      embedder: embeddings.embedder.identity.description, sharpness: sharpness,
                                      routers: routers.map { ($0.routing.memory.count, $0.sharpness) },
                                      sweep: CandidateSweep(queries: queries.map { $0! }))
        if arguments.flag("json") {
            printJSONLine(report.jsonObject)
        } else {
            print(report.table, terminator: "")
        }
        if let plotPath = arguments.string("plot") {
            guard let plot = report.plot(title: arguments.string("title") ?? "Routing among \(candidates.count) models",
                                         qualityLabel: input.qualityLabel) else {
                throw CommandFailure("no figure: every candidate costs the same, so there is no cost axis")
            }
            try EvalCommand.write(plot: plot.svg, to: plotPath)
        }
        return 0
    }

    /// `--prices FILE`, else the configuration's models' prices, with the option to name in errors.
    private static func priceList(_ arguments: ParsedArguments,
                                  configuration: RouteLedgerConfiguration?) throws -> (list: PriceList, option: String, source: String) {
        if let path = arguments.string("prices") {
            do {
                return (try PriceList(parsing: try String(contentsOfFile: path, encoding: .utf8)), "option '--prices'", path)
            } catch let error as LedgerInputError {
                throw UsageError("option '--prices': \(path): \(error)")
            } catch {
                throw UsageError("option '--prices': cannot read \(path): \(error.localizedDescription)")
            }
        }
        guard let configuration else {
            throw UsageError("--candidates needs the models' prices: --prices FILE, or --config FILE with the models' prices")
        }
        let prices = Dictionary(configuration.models.map { ($0.name, $0.price) }, uniquingKeysWith: { first, _ in first })
        return (PriceList(prices: prices), "option '--config'", "the configuration's models")
    }
}
