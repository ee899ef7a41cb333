import BattleStore
import Foundation
import Ranking

/// The figures of `eval --learning-curve`, as a table, as JSON and as a plot: per step each
/// seed's figures, and their mean, lowest and highest over the seeds.
struct LearningCurveReport {
    struct Curve {
        let seed: UInt64
        let heldOutQueries: Int
        let steps: [LearningCurve.Step]

        /// The first step whose PGR at 40 % strong calls exceeds one half; nil if none does.
        var votesUntilHalfGap: Int? {
            steps.first { $0.pgr > 0.5 }?.votes
        }

        /// The first step from which PGR at 40 % strong calls exceeds one half at every later
        /// step too: early steps of few votes can cross by chance and fall back.
        var votesUntilHalfGapStays: Int? {
            let last = steps.lastIndex { $0.pgr <= 0.5 }.map { $0 + 1 } ?? 0
            return last < steps.count ? steps[last].votes : nil
        }

        /// The held-out block's weak-only and strong-only quality: the ends of every curve.
        var weakOnly: Double { steps[0].figures.curve.first!.quality }
        var strongOnly: Double { steps[0].figures.curve.last!.quality }
        /// The random router's figures on the held-out block.
        var random: RouterFigures { .randomExpectation(strongOnly: strongOnly, weakOnly: weakOnly) }
    }

    let strong: String
    let weak: String
    let embedder: String
    /// What the router starts from, for the heading.
    let start: String
    let holdout: Double
    /// Votes in all (the last step).
    let votes: Int
    let sharpness: KernelSharpness
    let curves: [Curve]

    private var steps: Int { curves[0].steps.count }

    /// Mean, lowest and highest of one figure over the seeds at a step; nil when no seed has it.
    private func spread(_ step: Int, _ value: (LearningCurve.Step) -> Double?) -> (mean: Double, low: Double, high: Double, count: Int)? {
        let values = curves.compactMap { value($0.steps[step]) }
        guard !values.isEmpty else { return nil }
        return (values.reduce(0, +) / Double(values.count), values.min()!, values.max()!, values.count)
    }

    private static let figures: [(name: String, key: String, percent: Bool, value: @Sendable (LearningCurve.Step) -> Double?)] = [
        ("APGR mean", "apgr", false, { $0.figures.apgr }),
        ("APGR trapezoid", "apgr_trapezoid", false, { $0.figures.apgrTrapezoid }),
        ("CPT(50 %)", "cpt50", true, { $0.figures.cpt50 }),
        ("AIQ", "aiq", false, { $0.figures.aiq }),
        ("PGR at 40 %", "pgr40", false, { $0.pgr }),
        ("γ", "kernel_sharpness", false, { $0.sharpness }),
    ]

    var table: String {
        var text = "learning curve: strong \(strong), weak \(weak); held out \(Int((holdout * 100).rounded())) % of the prompts "
        text += "(\(curves.map { String($0.heldOutQueries) }.joined(separator: ", ")) queries), \(votes) votes to learn; "
        text += "seeds \(curves.map { String($0.seed) }.joined(separator: ", ")); embedder \(embedder); kernel sharpness \(sharpness)\n"
        text += "starting memory: \(start)\n"
        if curves.count > 1 { text += "each figure: mean (lowest–highest) over the seeds\n" }
        text += "\n"
        var rows: [[String]] = []
        var unranked = false
        for step in 0..<steps {
            let ranks = curves.allSatisfy { $0.steps[step].ranks }
            unranked = unranked || !ranks
            var row = [String(curves[0].steps[step].votes) + (ranks ? "" : " *")]
            row.append(cell(spread(step) { Double($0.battles) }, decimals: 0, percent: false))
            for figure in Self.figures {
                let decimals = figure.key == "kernel_sharpness" ? -1 : figure.percent ? 1 : 4
                row.append(cell(spread(step, figure.value), decimals: decimals, percent: figure.percent))
            }
            rows.append(row)
        }
        text += TextTable(header: ["votes", "battles"] + Self.figures.map(\.name), rows: rows, textColumns: 0).text
        if unranked {
            text += "* a seed's router could not tell the queries apart (a model without battles yet, or every query scored alike: "
                + "both models in one tier, or γ = 0): the random router's figures\n"
        }
        let random = curves[0].random
        text += String(format: "random router: APGR %.4f mean / %.4f trapezoid, CPT(50 %%) %.1f %%, PGR at 40 %% %.4f, AIQ ",
                       random.apgr, random.apgrTrapezoid, (random.cpt50 ?? .nan) * 100, LearningCurve.reportedShare)
            + curves.map { String(format: "%.4f", $0.random.aiq) }.joined(separator: ", ") + "\n"
        text += "votes until PGR at 40 % strong calls exceeds 0.5: "
            + curves.map { "seed \($0.seed): \($0.votesUntilHalfGap.map(String.init) ?? "not within \(votes)")" }.joined(separator: ", ") + "\n"
        text += "votes from which it stays above 0.5: "
            + curves.map { "seed \($0.seed): \($0.votesUntilHalfGapStays.map(String.init) ?? "not within \(votes)")" }.joined(separator: ", ") + "\n"
        return text
    }

    /// "0.6123 (0.6010–0.6300)" over several seeds, "0.6123" over one; "–" where no seed has a value.
    private func cell(_ spread: (mean: Double, low: Double, high: Double, count: Int)?, decimals: Int, percent: Bool) -> String {
        guard let spread else { return "–" }
        func format(_ value: Double) -> String {
            if decimals < 0 { return KernelSharpness.fixed(value).description }
            return String(format: "%.\(decimals)f", percent ? value * 100 : value) + (percent ? " %" : "")
        }
        var text = format(spread.mean)
        if curves.count > 1 && spread.low != spread.high { text += " (\(format(spread.low))–\(format(spread.high)))" }
        if spread.count < curves.count { text += " [\(spread.count) of \(curves.count)]" }
        return text
    }

    var jsonObject: [String: Any] {
        let stepObjects: [[String: Any]] = (0..<steps).map { step in
            var object: [String: Any] = ["votes": curves[0].steps[step].votes]
            func summary(_ value: (LearningCurve.Step) -> Double?, scale: Double) -> Any {
                guard let spread = spread(step, value) else { return NSNull() }
                return ["mean": spread.mean * scale, "min": spread.low * scale, "max": spread.high * scale, "seeds": spread.count]
            }
            object["battles"] = summary({ Double($0.battles) }, scale: 1)
            for figure in Self.figures {
                object[figure.key] = summary(figure.value, scale: figure.percent ? 100 : 1)
            }
            object["per_seed"] = curves.map { curve -> [String: Any] in
                let point = curve.steps[step]
                return ["seed": curve.seed, "ranks": point.ranks, "battles": point.battles, "apgr": point.figures.apgr,
                        "apgr_trapezoid": point.figures.apgrTrapezoid, "cpt50": point.figures.cpt50.map { $0 * 100 } ?? NSNull(),
                        "aiq": point.figures.aiq, "pgr40": point.pgr, "kernel_sharpness": point.sharpness ?? NSNull()]
            }
            return object
        }
        return [
            "strong": strong, "weak": weak, "embedder": embedder, "starting_memory": start, "holdout": holdout, "votes": votes,
            "kernel_sharpness": sharpness.description,
            "random": ["apgr": curves[0].random.apgr, "apgr_trapezoid": curves[0].random.apgrTrapezoid,
                       "cpt50": curves[0].random.cpt50.map { $0 * 100 as Any } ?? NSNull(), "pgr40": LearningCurve.reportedShare] as [String: Any],
            "seeds": curves.map { curve -> [String: Any] in
                ["seed": curve.seed, "held_out_queries": curve.heldOutQueries, "strong_only": curve.strongOnly, "weak_only": curve.weakOnly,
                 "random_aiq": curve.random.aiq,
                 "votes_until_pgr40_above_half": curve.votesUntilHalfGap ?? NSNull(),
                 "votes_until_pgr40_stays_above_half": curve.votesUntilHalfGapStays ?? NSNull()]
            },
            "steps": stepObjects,
        ]
    }

    func plot(title: String) -> LearningCurvePlot {
        LearningCurvePlot(
            title: title,
            subtitle: "held-out block of \(Int((holdout * 100).rounded())) % of the prompts, \(votes) votes, \(embedder), kernel sharpness \(sharpness)",
            seeds: curves.map { curve in .init(name: "seed \(curve.seed)", points: curve.steps.map { ($0.votes, $0.figures.apgr) }) },
            random: curves[0].random.apgr)
    }
}
