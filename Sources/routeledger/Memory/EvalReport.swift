import BattleStore
import Foundation
import Ranking

/// The figures of one evaluation, as a table, as JSON and as a plot.
struct EvalReport {
    let pair: RoutedPairSet
    let embedder: String
    let folds: Int?
    let seed: UInt64
    let pooling: SWScoring.FoldPooling
    /// As asked for; each router's γ is in `routers`.
    let sharpness: KernelSharpness
    let routers: [SWScoring.FoldRouter]
    let sw: RouterFigures
    let random: RouterFigures
    let strongOnly: Double
    let weakOnly: Double

    private var rows: [(String, (RouterFigures) -> String)] {
        [("APGR (mean of 10 %…100 %)", { format($0.apgr) }),
         ("APGR (trapezoid 0 %…100 %)", { format($0.apgrTrapezoid) }),
         ("CPT(50 %)", { percent($0.cpt50) }),
         ("CPT(80 %)", { percent($0.cpt80) }),
         ("AIQ (quality over every budget)", { format($0.aiq) })]
            + RouterFigures.reportedShares.enumerated().map { index, share in
                ("PGR at \(Int(share * 100)) % strong", { format($0.pgr[index]) })
            }
    }

    var table: String {
        var text = "strong \(pair.strong), weak \(pair.weak); \(pair.prompts.count) queries; "
        text += folds.map { "\($0)-fold cross-validation (seed \(seed), scores pooled by \(pooling.rawValue))" } ?? "no cross-validation"
        text += "; embedder \(embedder)\n"
        text += "battles per router: \(routers.map { String($0.battles) }.joined(separator: ", "))\n"
        text += "kernel sharpness per router (\(sharpness)): \(routers.map { KernelSharpness.fixed($0.sharpness).description }.joined(separator: ", "))\n\n"
        let width = rows.map(\.0.count).max()!
        func line(_ name: String, _ a: String, _ b: String) -> String {
            name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + a.leftPadded(to: 10) + "  " + b.leftPadded(to: 10) + "\n"
        }
        text += line("", "SW", "random")
        for (name, value) in rows { text += line(name, value(sw), value(random)) }
        text += "\nstrong-only quality  \(format(strongOnly))\nweak-only quality    \(format(weakOnly))\n"
        return text
    }

    var jsonObject: [String: Any] {
        func figures(_ router: RouterFigures) -> [String: Any] {
            var object: [String: Any] = [
                "apgr": router.apgr,
                "apgr_trapezoid": router.apgrTrapezoid,
                "cpt50": router.cpt50.map { $0 * 100 } ?? NSNull(),
                "cpt80": router.cpt80.map { $0 * 100 } ?? NSNull(),
                "aiq": router.aiq,
                "curve": router.curve.map { ["strong_percent": $0.strongShare * 100, "quality": $0.quality] },
            ]
            for (index, share) in RouterFigures.reportedShares.enumerated() {
                object["pgr\(Int(share * 100))"] = router.pgr[index]
            }
            return object
        }
        return [
            "strong": pair.strong, "weak": pair.weak, "queries": pair.prompts.count, "left_out": pair.leftOut,
            "folds": folds ?? NSNull(), "seed": seed, "embedder": embedder,
            "fold_scores": folds == nil ? NSNull() : pooling.rawValue,
            "battles_per_router": routers.map(\.battles),
            "kernel_sharpness": sharpness.description, "kernel_sharpness_per_router": routers.map(\.sharpness),
            "strong_only": strongOnly, "weak_only": weakOnly,
            "sw": figures(sw), "random": figures(random),
        ]
    }

    func plot(title: String, qualityLabel: String) -> QualityCurvePlot {
        let setting = folds.map { "\($0)-fold cross-validation" } ?? "whole memory"
        return QualityCurvePlot(
            title: title,
            subtitle: "\(pair.prompts.count) queries, \(setting), \(embedder)",
            qualityLabel: qualityLabel,
            series: [
                .init(name: "SW ranking: \(legendFigures(sw))", points: sw.curve, color: "#1f5fbf", dash: nil),
                .init(name: "Random: \(legendFigures(random))", points: random.curve, color: "#888888", dash: "7 5"),
            ],
            strongOnly: ("strong only: \(pair.strong) \(format(strongOnly))", strongOnly),
            weakOnly: ("weak only: \(pair.weak) \(format(weakOnly))", weakOnly))
    }
}

/// APGR in both forms and CPT(50 %), short enough for a legend line.
private func legendFigures(_ router: RouterFigures) -> String {
    "APGR \(String(format: "%.3f", router.apgr)) (mean) / \(String(format: "%.3f", router.apgrTrapezoid)) (trapezoid), "
        + "CPT(50%) \(router.cpt50.map { String(format: "%.1f %%", $0 * 100) } ?? "not reached")"
}

private func format(_ value: Double) -> String {
    String(format: "%.4f", value)
}

private func percent(_ share: Double?) -> String {
    share.map { String(format: "%.2f %%", $0 * 100) } ?? "not reached"
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
