import Foundation
import Ledger
import Pipeline

/// What the demo prints at the end: requests, strong share, the ledger's actual cost of the
/// answers against sending everything to the strong model (checked against the same sums made
/// here from the usage reports), quality against the ground truth, what the
/// learn stage took in, and per synthetic topic the strong share beside the topic's truth.
struct DemoSummary {
    let source: DemoSource
    let configuration: RouteLedgerConfiguration
    let queries: [String: DemoQuery]
    let outcome: DemoWorkers.Outcome
    let deadLetters: Int
    let voteDeadLetters: Int
    /// The router at the end, with the votes learned.
    let router: RouterSnapshot
    /// The ledger's totals: what finance would see.
    let audit: AuditTotals
    let plot: URL

    private var strong: String { configuration.routing.strong }
    private var weak: String { configuration.routing.cheaper[0] }

    private func price(_ model: String) -> TokenPrice {
        configuration.models.first { $0.name == model }!.price
    }

    /// Each answered query priced at both models for the tokens its answer took.
    private var curveQueries: [CostQualityCurve.Query] {
        outcome.decisions.compactMap { decision in
            guard let query = queries[decision.queryID], let tokens = outcome.usage[decision.queryID] else { return nil }
            return CostQualityCurve.Query(
                strongWinRate: decision.candidates.first { $0.model == weak }?.referenceWinRate ?? 1,
                strongCost: price(strong).cost(inputTokens: tokens.input, outputTokens: tokens.output),
                weakCost: price(weak).cost(inputTokens: tokens.input, outputTokens: tokens.output),
                strongIsGood: query.strongIsGood, weakIsGood: query.weakIsGood)
        }
    }

    func writePlot() throws {
        let plot = CostQualityCurve(curveQueries).plot(
            title: "RouteLedger demo: cost against quality", subtitle: "\(source.description), \(outcome.decisions.count) queries",
            qualityLabel: source.qualityLabel)
        try Data(plot.svg.utf8).write(to: self.plot)
    }

    func print(json: Bool) {
        let decisions = outcome.decisions
        let routedStrong = decisions.filter { $0.model == strong }
        let (cost, reference) = outcome.costs(configuration)
        let good = decisions.count { decision in
            queries[decision.queryID].map { decision.model == strong ? $0.strongIsGood : $0.weakIsGood } ?? false
        }
        let curve = CostQualityCurve(curveQueries)
        let costShare = reference.microunits == 0 ? 0 : Double(cost.microunits) / Double(reference.microunits)
        let count = Double(max(decisions.count, 1))
        var figures: [(String, Any)] = [
            ("data", source.description),
            ("requests", decisions.count),
            ("dead_lettered", deadLetters),
            ("strong_share", Double(routedStrong.count) / count),
            ("actual_cost_usd", audit.cost.description),
            ("strong_only_cost_usd", audit.referenceCost.description),
            ("savings_usd", audit.savings.description),
            ("savings_percent", audit.savingsPercentText ?? "-"),
            // The same money summed here from the workers' reports: the ledger must agree to the micro-dollar.
            ("ledger_agrees_with_the_usage_reports", audit.cost == cost && audit.referenceCost == reference
                && audit.requests == Int64(decisions.count)),
            ("quality", Double(good) / count),
            ("quality_strong_only", curve.strongOnlyQuality),
            ("quality_weak_only", curve.weakOnlyQuality),
            ("quality_random_router_at_same_cost", curve.randomQuality(atCostShare: costShare)),
            ("usage_reports", outcome.usage.count),
            ("votes_learned", outcome.votes),
            ("votes_dead_lettered", voteDeadLetters),
            ("router_battles_at_end", router.ranker.memory.count),
            ("router_ratings_version_at_end", router.ratingsVersion),
            ("cost_quality_plot", plot.path),
        ]
        for (group, truth) in source.groupTruth {
            let inGroup = decisions.filter { queries[$0.queryID]?.group == group }
            figures.append(("topic_\(group)_strong_share", Double(inGroup.count { $0.model == strong }) / Double(max(inGroup.count, 1))))
            figures.append(("topic_\(group)_truth_strong_win_rate", truth))
        }
        printFigures(figures, json: json)
    }
}
