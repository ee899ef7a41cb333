import BattleStore
import Foundation
import Ledger
import Ranking

/// The figures of `eval --candidates`, as a table and as JSON: each candidate alone, AIQ of the
/// rule against mixing the candidates at random, and what the rule does at a few budgets.
struct CandidatesReport {
    /// Cheapest first, the reference last.
    let candidates: [String]
    let prices: [TokenPrice]
    let priceSource: String
    let outputTokens: Int64
    let queries: Int
    let folds: Int?
    let seed: UInt64
    let embedder: String
    let sharpness: KernelSharpness
    let routers: [(battles: Int, sharpness: Double)]
    let sweep: CandidateSweep

    /// Budgets, as shares of the way from the cheapest candidate alone to the dearest, at which
    /// the best operating point is shown.
    static let budgets = [0.25, 0.5, 0.75]

    private var cheapest: Int64 { sweep.singleModels.map(\.totalCost).min()! }
    private var dearest: Int64 { sweep.singleModels.map(\.totalCost).max()! }

    private func normalised(_ cost: Int64) -> Double {
        Double(cost - cheapest) / Double(dearest - cheapest)
    }

    /// AIQ of points, cost normalised between the cheapest and the dearest candidate alone; nil
    /// when every candidate costs the same.
    private func aiq(_ points: [(cost: Int64, quality: Double)]) -> Double? {
        guard dearest > cheapest else { return nil }
        return AIQ.area(of: points.map { AIQ.Point(cost: Double($0.cost), quality: $0.quality) }, cheapest: Double(cheapest),
                        dearest: Double(dearest))
    }

    /// The rule's AIQ over every threshold.
    var routerAIQ: Double? { aiq(sweep.points.map { ($0.totalCost, $0.meanQuality) }) }
    /// AIQ of sending each query to a candidate drawn at random: the hull of the candidates alone.
    var mixAIQ: Double? { aiq(sweep.singleModels.map { ($0.totalCost, $0.meanQuality) }) }

    /// The best quality affordable within `budget`; of equal qualities, the cheaper point.
    func best(within budget: Double) -> CandidateSweep.OperatingPoint? {
        guard dearest > cheapest else { return nil }
        return sweep.points.filter { normalised($0.totalCost) <= budget + 1e-12 }
            .max { ($0.meanQuality, -$0.totalCost) < ($1.meanQuality, -$1.totalCost) }
    }

    private var setting: String {
        (folds.map { "\($0)-fold cross-validation (seed \(seed))" } ?? "no cross-validation") + "; embedder \(embedder)"
    }

    var table: String {
        var text = "\(candidates.count) candidates, cheapest first, the reference \(candidates.last!) last; \(queries) queries; \(setting)\n"
        text += "each answer priced at \(priceSource): input tokens a quarter of the prompt's bytes, \(outputTokens) output tokens\n"
        text += "battles per router: \(routers.map { String($0.battles) }.joined(separator: ", "))\n"
        text += "kernel sharpness per router (\(sharpness)): \(routers.map { KernelSharpness.fixed($0.sharpness).description }.joined(separator: ", "))\n\n"
        let alone = zip(candidates, zip(prices, sweep.singleModels)).map { model, priced in
            [model, "$\(priced.0.inputPerMillion) / $\(priced.0.outputPerMillion)", "$\(MicroUSD(microunits: priced.1.totalCost))",
             String(format: "%.4f", priced.1.meanQuality)]
        }
        text += TextTable(header: ["model", "per million in / out", "all queries alone", "quality alone"], rows: alone, textColumns: 1).text
        text += "\n\(sweep.points.count) operating points (thresholds)\n"
        text += "AIQ (cost from the cheapest model alone to the dearest): rule " + (routerAIQ.map { String(format: "%.4f", $0) } ?? "–")
            + ", random mix of the models " + (mixAIQ.map { String(format: "%.4f", $0) } ?? "–") + "\n\n"
        for budget in Self.budgets {
            guard let point = best(within: budget) else { continue }
            text += String(format: "budget %d %%: threshold %.4f, ", Int(budget * 100), point.threshold)
                + "cost $\(MicroUSD(microunits: point.totalCost)), quality \(String(format: "%.4f", point.meanQuality)); answered by "
                + zip(candidates, point.answered).filter { $0.1 > 0 }
                    .map { "\($0.0) \(String(format: "%.1f", Double($0.1) / Double(queries) * 100)) %" }.joined(separator: ", ") + "\n"
        }
        return text
    }

    /// Quality against cost (normalised from the cheapest model alone to the dearest): the rule
    /// at every threshold, and the hull of the models alone, where mixing them at random gets.
    func plot(title: String, qualityLabel: String) -> QualityCurvePlot? {
        guard dearest > cheapest else { return nil }
        let rule = sweep.points.map { QualityPoint(strongShare: normalised($0.totalCost), quality: $0.meanQuality) }
            .sorted { ($0.strongShare, $0.quality) < ($1.strongShare, $1.quality) }
        let mix = AIQ.hull(of: sweep.singleModels.map { AIQ.Point(cost: Double($0.totalCost), quality: $0.meanQuality) },
                           cheapest: Double(cheapest), dearest: Double(dearest))
        let reference = sweep.singleModels[candidates.count - 1]
        let cheapestAlone = sweep.singleModels.indices.min { sweep.singleModels[$0].totalCost < sweep.singleModels[$1].totalCost }!
        var plot = QualityCurvePlot(
            title: title, subtitle: "\(candidates.count) models, \(queries) queries, \(setting)", qualityLabel: qualityLabel,
            series: [.init(name: "Routing rule: AIQ \(routerAIQ.map { String(format: "%.3f", $0) } ?? "–")", points: rule,
                           color: "#1f5fbf", dash: nil),
                     .init(name: "Random mix of the models alone: AIQ \(mixAIQ.map { String(format: "%.3f", $0) } ?? "–")",
                           points: mix.map { QualityPoint(strongShare: $0.cost, quality: $0.quality) }, color: "#888888", dash: "7 5")],
            strongOnly: ("reference alone: \(candidates.last!) \(String(format: "%.3f", reference.meanQuality))", reference.meanQuality),
            weakOnly: ("cheapest alone: \(candidates[cheapestAlone]) \(String(format: "%.3f", sweep.singleModels[cheapestAlone].meanQuality))",
                       sweep.singleModels[cheapestAlone].meanQuality))
        plot.shareLabel = "Cost, from the cheapest model alone (0) to the dearest (100)"
        return plot
    }

    var jsonObject: [String: Any] {
        func answered(_ counts: [Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: zip(candidates, counts))
        }
        return [
            "candidates": zip(candidates, zip(prices, sweep.singleModels)).map { model, priced -> [String: Any] in
                ["model": model, "input_usd_per_million": "\(priced.0.inputPerMillion)", "output_usd_per_million": "\(priced.0.outputPerMillion)",
                 "alone_cost_usd": "\(MicroUSD(microunits: priced.1.totalCost))", "alone_quality": priced.1.meanQuality]
            },
            "reference": candidates.last!, "queries": queries, "output_tokens": outputTokens, "prices": priceSource,
            "folds": folds ?? NSNull(), "seed": seed, "embedder": embedder, "kernel_sharpness": sharpness.description,
            "battles_per_router": routers.map(\.battles), "kernel_sharpness_per_router": routers.map(\.sharpness),
            "aiq": routerAIQ ?? NSNull(), "aiq_random_mix": mixAIQ ?? NSNull(),
            "budgets": Self.budgets.compactMap { budget -> [String: Any]? in
                best(within: budget).map { ["budget": budget, "threshold": $0.threshold, "cost_usd": "\(MicroUSD(microunits: $0.totalCost))",
                                            "quality": $0.meanQuality, "answered": answered($0.answered)] }
            },
            "curve": sweep.points.map { ["threshold": $0.threshold, "cost_usd": "\(MicroUSD(microunits: $0.totalCost))",
                                         "quality": $0.meanQuality, "answered": answered($0.answered)] },
        ]
    }
}
