import BattleStore
import Ledger

/// What a stream of routed queries would have cost and how good its answers would have been at
/// every threshold: the queries sorted by the strong model's predicted win rate, the top k sent
/// to the strong model. Cost is the actual tokens priced at each model's price, as a share of
/// sending everything to the strong model; quality the share of good answers.
struct CostQualityCurve {
    struct Query {
        let strongWinRate: Double
        let strongCost: MicroUSD
        let weakCost: MicroUSD
        let strongIsGood: Bool
        let weakIsGood: Bool
    }

    /// x: cost as a share of the strong-only cost; y: quality.
    let router: [QualityPoint]
    let strongOnlyQuality: Double
    let weakOnlyQuality: Double
    let weakOnlyCostShare: Double

    init(_ queries: [Query]) {
        let ordered = queries.sorted { $0.strongWinRate > $1.strongWinRate }
        let strongOnlyCost = queries.reduce(MicroUSD.zero) { $0 + $1.strongCost }
        var cost = queries.reduce(MicroUSD.zero) { $0 + $1.weakCost }
        var good = queries.count { $0.weakIsGood }
        let count = Double(max(queries.count, 1))
        func share(_ part: MicroUSD) -> Double {
            strongOnlyCost.microunits == 0 ? 0 : Double(part.microunits) / Double(strongOnlyCost.microunits)
        }
        var points = [QualityPoint(strongShare: share(cost), quality: Double(good) / count)]
        for query in ordered {
            cost = cost + query.strongCost - query.weakCost
            good += (query.strongIsGood ? 1 : 0) - (query.weakIsGood ? 1 : 0)
            points.append(QualityPoint(strongShare: share(cost), quality: Double(good) / count))
        }
        router = points
        strongOnlyQuality = Double(queries.count { $0.strongIsGood }) / count
        weakOnlyQuality = Double(queries.count { $0.weakIsGood }) / count
        weakOnlyCostShare = points[0].strongShare
    }

    /// A random router's expected curve: the straight line from weak-only to strong-only.
    var random: [QualityPoint] {
        [QualityPoint(strongShare: weakOnlyCostShare, quality: weakOnlyQuality), QualityPoint(strongShare: 1, quality: strongOnlyQuality)]
    }

    /// The random router's expected quality at a cost share.
    func randomQuality(atCostShare share: Double) -> Double {
        guard weakOnlyCostShare < 1 else { return strongOnlyQuality }
        let t = min(max((share - weakOnlyCostShare) / (1 - weakOnlyCostShare), 0), 1)
        return weakOnlyQuality + t * (strongOnlyQuality - weakOnlyQuality)
    }

    func plot(title: String, subtitle: String, qualityLabel: String) -> QualityCurvePlot {
        func percent(_ points: [QualityPoint]) -> [QualityPoint] {
            points.map { QualityPoint(strongShare: $0.strongShare, quality: $0.quality * 100) }
        }
        return QualityCurvePlot(title: title, subtitle: subtitle, qualityLabel: qualityLabel,
                                series: [.init(name: "SW router (every threshold)", points: percent(router), color: "#1f77b4", dash: nil),
                                         .init(name: "random router", points: percent(random), color: "#999999", dash: "6 4")],
                                strongOnly: ("strong only", strongOnlyQuality * 100), weakOnly: ("weak only", weakOnlyQuality * 100),
                                shareLabel: "Cost, as a share of sending every query to the strong model (%)")
    }
}
