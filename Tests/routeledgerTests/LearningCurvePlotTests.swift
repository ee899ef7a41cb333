import Foundation
import Testing
@testable import routeledger

@Suite struct LearningCurvePlotTests {
    /// Two seeds measured after 25, 50 and 100 votes.
    private let plot = LearningCurvePlot(title: "Votes & routing <test>", subtitle: "sub",
                                         seeds: [.init(name: "seed 1", points: [(25, 0.5), (50, 0.6), (100, 0.7)]),
                                                 .init(name: "seed 2", points: [(25, 0.5), (50, 0.7), (100, 0.8)])],
                                         random: 0.55)

    @Test func theFigureIsWellFormedWithALinePerSeedTheirMeanAndTheirBand() throws {
        let elements = try SVGElements.parse(plot.svg)
        #expect(elements.names.first == "svg")
        #expect(elements.texts.contains("Votes & routing <test>"))
        #expect(elements.texts.contains("Votes learnt (log scale)"))
        #expect(elements.texts.contains("Random router: APGR 0.550"))
        #expect(elements.texts.contains("Mean over 2 seeds"))
        #expect(elements.names.count { $0 == "polyline" } == 3)
        #expect(elements.names.count { $0 == "polygon" } == 1)
        #expect(["25", "50", "100"].allSatisfy(elements.texts.contains))
    }

    /// The plot area spans x 78…736, votes on a log scale from 25 to 100, so 50 lies halfway,
    /// at x 407. The APGR axis covers 0.5…0.8 over y 458…70 (a sixth of 0.8 − 0.5 is a hair above
    /// 0.05 in binary, so the ticks are 0.1 apart): the mean of the
    /// seeds, 0.5, 0.65 and 0.75, lands at y 458, 70 + 0.15 / 0.3 × 388 = 264 and
    /// 70 + 0.05 / 0.3 × 388 = 134.67; the random line, 0.55, at 70 + 0.25 / 0.3 × 388 = 393.33.
    /// The band runs along the highest seed (0.5, 0.7, 0.8) and back along the lowest.
    @Test func pointsLandWhereTheAxesSay() throws {
        let axis = plot.apgrAxis
        #expect(abs(axis.low - 0.5) < 1e-12 && abs(axis.high - 0.8) < 1e-12 && abs(axis.step - 0.1) < 1e-12)
        let elements = try SVGElements.parse(plot.svg)
        let lines = elements.attribute("points", of: "polyline")
        #expect(lines[2] == "78,458 407,264 736,134.67")
        #expect(elements.attribute("points", of: "polygon") == ["78,458 407,199.33 736,70 736,199.33 407,328.67 78,458"])
        let dashed = zip(elements.names, elements.attributes).filter { $0.0 == "line" && $0.1["stroke-dasharray"] == "7 5" }
        #expect(dashed.contains { $0.1["y1"] == "393.33" && $0.1["y2"] == "393.33" })
    }
}
