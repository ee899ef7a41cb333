import BattleStore
import Foundation
import Testing
@testable import routeledger

@Suite struct QualityCurvePlotTests {
    private func plot(points: [QualityPoint], title: String = "A & B <test>") -> QualityCurvePlot {
        QualityCurvePlot(title: title, subtitle: "sub", qualityLabel: "Accuracy",
                         series: [.init(name: "SW", points: points, color: "#1f5fbf", dash: nil),
                                  .init(name: "Random", points: [QualityPoint(strongShare: 0, quality: 0.6),
                                                                 QualityPoint(strongShare: 1, quality: 0.8)],
                                        color: "#888888", dash: "7 5")],
                         strongOnly: ("strong only", 0.8), weakOnly: ("weak only", 0.6))
    }

    @Test func theFigureIsWellFormedWithEscapedTextAndOneLinePerRouter() throws {
        let points = [QualityPoint(strongShare: 0, quality: 0.6), QualityPoint(strongShare: 0.5, quality: 0.78),
                      QualityPoint(strongShare: 1, quality: 0.8)]
        let elements = try SVGElements.parse(plot(points: points).svg)
        #expect(elements.names.first == "svg")
        #expect(elements.texts.contains("A & B <test>"))
        #expect(elements.texts.contains("Calls to the strong model (%)"))
        #expect(elements.texts.contains("Accuracy"))
        #expect(elements.names.count { $0 == "polyline" } == 2)
    }

    /// The plot area spans x 78…736 and the axis 0.55…0.8 (ticks of 0.05) spans y 70…458, so
    /// the point (0 %, 0.6) lands at x 78, y 70 + (0.8 − 0.6) / 0.25 × 388 = 380.4, and
    /// (50 %, 0.78) at x 407, y 70 + (0.8 − 0.78) / 0.25 × 388 = 101.04.
    @Test func pointsLandWhereTheAxesSay() throws {
        let points = [QualityPoint(strongShare: 0, quality: 0.6), QualityPoint(strongShare: 0.5, quality: 0.78),
                      QualityPoint(strongShare: 1, quality: 0.8)]
        let figure = plot(points: points)
        let axis = figure.qualityAxis()
        #expect(abs(axis.low - 0.55) < 1e-12 && abs(axis.high - 0.8) < 1e-12 && abs(axis.step - 0.05) < 1e-12)
        let elements = try SVGElements.parse(figure.svg)
        let lines = elements.attributes.enumerated().filter { elements.names[$0.offset] == "polyline" }.map { $0.element["points"]! }
        #expect(lines[0] == "78,380.4 407,101.04 736,70")
    }

    @Test func longCurvesAreThinnedButKeepTheirEnds() {
        let points = (0...5_000).map { QualityPoint(strongShare: Double($0) / 5_000, quality: Double($0)) }
        let thinned = QualityCurvePlot.thinned(points)
        #expect(thinned.count <= QualityCurvePlot.drawnPointsPerCurve + 1)
        #expect(thinned.first == points.first && thinned.last == points.last)
    }
}
