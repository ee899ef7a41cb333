import Foundation

/// The learning curve's figure: APGR of the router on the held-out block against the votes it
/// has learnt (log scale), one thin line per seed, their mean bold with the band from the lowest
/// to the highest seed, and the random router's APGR as a dashed line.
struct LearningCurvePlot: PlotFrame {
    /// One seed's curve: APGR after each number of votes (the same numbers for every seed).
    struct Seed {
        let name: String
        let points: [(votes: Int, apgr: Double)]
    }

    let title: String
    let subtitle: String
    let seeds: [Seed]
    /// The random router's APGR (the same at every step).
    let random: Double
    var apgrLabel = "APGR (mean of PGR at 10 %…100 % strong calls)"

    private static let seedColors = ["#8fb3e8", "#e8a98f", "#94d1a0", "#d6a3dc", "#e0cf8a", "#9fd3d6"]

    /// The votes of every step, from the first seed.
    var votes: [Int] { seeds.first?.points.map(\.votes) ?? [] }

    /// Mean, lowest and highest APGR over the seeds at each step.
    var spread: [(mean: Double, low: Double, high: Double)] {
        votes.indices.map { step in
            let values = seeds.map { $0.points[step].apgr }
            return (values.reduce(0, +) / Double(values.count), values.min()!, values.max()!)
        }
    }

    var apgrAxis: LinearAxis {
        LinearAxis(covering: seeds.flatMap { $0.points.map(\.apgr) } + [random])
    }

    private var legendLines: Int { seeds.count + (seeds.count > 1 ? 3 : 1) }
    private var height: Double { top + plotHeight + 50 + Double(legendLines) * legendLineHeight + 10 }
    private var plotWidth: Double { width - left - right }

    /// Where `votes` lies across the plot: logarithmic from the first step to the last.
    func x(_ votes: Int) -> Double {
        guard let first = self.votes.first, let last = self.votes.last, last > first else { return left + plotWidth / 2 }
        return left + (log(Double(votes)) - log(Double(first))) / (log(Double(last)) - log(Double(first))) * plotWidth
    }

    var svg: String {
        precondition(!seeds.isEmpty && seeds.allSatisfy { $0.points.map(\.votes) == votes }, "every seed measured at the same votes")
        var document = SVGDocument(width: width, height: height)
        document.rectangle(x: 0, y: 0, width: width, height: height, fill: "#ffffff")
        let axis = apgrAxis
        func y(_ apgr: Double) -> Double { top + (axis.high - apgr) / (axis.high - axis.low) * plotHeight }

        let titleSize = min(17, (width - 30) / (Double(title.count) * 0.62))
        document.text(title, x: width / 2, y: 28, size: titleSize, anchor: .middle, weight: "bold")
        document.text(subtitle, x: width / 2, y: 50, size: 12, anchor: .middle)
        let grid = SVGDocument.Stroke(color: "#e3e3e3", width: 1)
        var lastLabelled = -Double.infinity
        for (index, step) in votes.enumerated().reversed() {
            document.line(x(step), top, x(step), top + plotHeight, grid)
            // Labels closer than 34 units to the one on their right are left out (the last step
            // often lies just past a power of two).
            if index == votes.count - 1 || lastLabelled - x(step) >= 34 {
                document.text("\(step)", x: x(step), y: top + plotHeight + 18, size: 12, anchor: .middle)
                lastLabelled = x(step)
            }
        }
        for tick in axis.ticks {
            document.line(left, y(tick), left + plotWidth, y(tick), grid)
            document.text(axis.label(tick), x: left - 8, y: y(tick) + 4, size: 12, anchor: .end)
        }
        document.rectangle(x: left, y: top, width: plotWidth, height: plotHeight, fill: "none",
                           stroke: SVGDocument.Stroke(color: "#444444", width: 1))
        document.text("Votes learnt (log scale)", x: left + plotWidth / 2, y: top + plotHeight + 38, size: 13, anchor: .middle)
        document.text(apgrLabel, x: 22, y: top + plotHeight / 2, size: 13, anchor: .middle, rotation: -90)

        let spread = self.spread
        let mean = SVGDocument.Stroke(color: "#1f5fbf", width: 2.5)
        let randomStroke = SVGDocument.Stroke(color: "#888888", width: 1.5, dash: "7 5")
        var legend: [(name: String, draw: (inout SVGDocument, Double) -> Void)] = []
        if seeds.count > 1 {
            let band = zip(votes, spread).map { (x: x($0), y: y($1.high)) } + zip(votes, spread).reversed().map { (x: x($0), y: y($1.low)) }
            document.polygon(band, fill: "#1f5fbf", opacity: 0.12)
            legend.append(("Lowest to highest seed", { document, legendY in
                document.rectangle(x: left, y: legendY - 10, width: 28, height: 10, fill: "#d2dff2")
            }))
        }
        for (index, seed) in seeds.enumerated() {
            let stroke = SVGDocument.Stroke(color: Self.seedColors[index % Self.seedColors.count], width: 1.2)
            document.polyline(seed.points.map { (x: x($0.votes), y: y($0.apgr)) }, stroke)
            legend.append((seed.name, { document, legendY in document.line(left, legendY - 4, left + 28, legendY - 4, stroke) }))
        }
        if seeds.count > 1 {
            document.polyline(zip(votes, spread).map { (x: x($0), y: y($1.mean)) }, mean)
            legend.append(("Mean over \(seeds.count) seeds", { document, legendY in document.line(left, legendY - 4, left + 28, legendY - 4, mean) }))
        }
        document.line(left, y(random), left + plotWidth, y(random), randomStroke)
        legend.append((String(format: "Random router: APGR %.3f", random), { document, legendY in
            document.line(left, legendY - 4, left + 28, legendY - 4, randomStroke)
        }))

        var legendY = top + plotHeight + 62
        for (name, draw) in legend {
            draw(&document, legendY)
            document.text(name, x: left + 36, y: legendY, size: 12)
            legendY += legendLineHeight
        }
        return document.rendered
    }
}
