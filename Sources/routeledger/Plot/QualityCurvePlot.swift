import BattleStore
import Foundation

/// The figure of the RouteLLM paper: quality against the share of calls to the strong model,
/// one curve per router, with the strong-only and weak-only qualities as horizontal lines.
struct QualityCurvePlot: PlotFrame {
    struct Series {
        let name: String
        let points: [QualityPoint]
        let color: String
        let dash: String?
    }

    let title: String
    let subtitle: String
    let qualityLabel: String
    let series: [Series]
    let strongOnly: (label: String, quality: Double)
    let weakOnly: (label: String, quality: Double)
    /// What the horizontal axis measures, from 0 to 100 %: by default RouteLLM's strong-call share.
    var shareLabel = "Calls to the strong model (%)"

    /// A curve of more points than this is thinned for drawing (every k-th point and the last):
    /// at this density the line looks the same and the file stays small.
    static let drawnPointsPerCurve = 1_000

    /// Room under the plot for the tick labels, the axis title and one legend line per series.
    private var height: Double { top + plotHeight + 50 + Double(series.count) * legendLineHeight + 10 }

    var svg: String {
        var document = SVGDocument(width: width, height: height)
        document.rectangle(x: 0, y: 0, width: width, height: height, fill: "#ffffff")
        let axis = qualityAxis()
        let plotWidth = width - left - right
        func x(_ share: Double) -> Double { left + share * plotWidth }
        func y(_ quality: Double) -> Double { top + (axis.high - quality) / (axis.high - axis.low) * plotHeight }

        // Bold sans-serif runs about 0.62 em per character: a long title is set smaller to fit.
        let titleSize = min(17, (width - 30) / (Double(title.count) * 0.62))
        document.text(title, x: width / 2, y: 28, size: titleSize, anchor: .middle, weight: "bold")
        document.text(subtitle, x: width / 2, y: 50, size: 12, anchor: .middle)
        let grid = SVGDocument.Stroke(color: "#e3e3e3", width: 1)
        for percent in stride(from: 0, through: 100, by: 10) {
            let share = Double(percent) / 100
            document.line(x(share), top, x(share), top + plotHeight, grid)
            document.text("\(percent)", x: x(share), y: top + plotHeight + 18, size: 12, anchor: .middle)
        }
        for tick in axis.ticks {
            document.line(left, y(tick), left + plotWidth, y(tick), grid)
            document.text(axis.label(tick), x: left - 8, y: y(tick) + 4, size: 12, anchor: .end)
        }
        document.rectangle(x: left, y: top, width: plotWidth, height: plotHeight, fill: "none",
                           stroke: SVGDocument.Stroke(color: "#444444", width: 1))
        document.text(shareLabel, x: left + plotWidth / 2, y: top + plotHeight + 38, size: 13, anchor: .middle)
        document.text(qualityLabel, x: 22, y: top + plotHeight / 2, size: 13, anchor: .middle, rotation: -90)

        let reference = SVGDocument.Stroke(color: "#777777", width: 1.2, dash: "2 3")
        for (label, quality) in [strongOnly, weakOnly] {
            document.line(left, y(quality), left + plotWidth, y(quality), reference)
            document.text(label, x: left + plotWidth - 6, y: y(quality) - 5, size: 11, anchor: .end)
        }
        for curve in series {
            let points = Self.thinned(curve.points).map { (x: x($0.strongShare), y: y($0.quality)) }
            document.polyline(points, SVGDocument.Stroke(color: curve.color, width: 2, dash: curve.dash))
        }

        // The legend goes under the axis title, outside the plot, so it never hides a curve.
        var legendY = top + plotHeight + 62
        for curve in series {
            document.line(left, legendY - 4, left + 28, legendY - 4, SVGDocument.Stroke(color: curve.color, width: 2, dash: curve.dash))
            document.text(curve.name, x: left + 36, y: legendY, size: 12)
            legendY += legendLineHeight
        }
        return document.rendered
    }

    /// A quality range that holds every curve and both reference lines, with round ticks.
    func qualityAxis() -> LinearAxis {
        LinearAxis(covering: series.flatMap { $0.points.map(\.quality) } + [strongOnly.quality, weakOnly.quality])
    }

    static func thinned(_ points: [QualityPoint]) -> [QualityPoint] {
        guard points.count > drawnPointsPerCurve else { return points }
        let stride = (points.count + drawnPointsPerCurve - 1) / drawnPointsPerCurve
        var kept = Swift.stride(from: 0, to: points.count, by: stride).map { points[$0] }
        if kept.last != points.last { kept.append(points.last!) }
        return kept
    }
}
