import Testing
@testable import Ranking

/// AIQ, each figure worked out by hand from the areas of triangles and trapezoids.
@Suite struct AIQTests {
    private func point(_ cost: Double, _ quality: Double) -> AIQ.Point { AIQ.Point(cost: cost, quality: quality) }

    /// Mixing the two models at random: the straight line from (0, 0.6) to (1, 0.8), area 0.7.
    @Test func theRandomMixtureIsTheMeanOfTheTwoModels() {
        #expect(abs(AIQ.area(of: [point(2, 0.6), point(10, 0.8)], cheapest: 2, dearest: 10) - 0.7) < 1e-12)
    }

    /// A point at (0.25, 0.8) adds the triangle above the line: the hull runs (0, 0.6) →
    /// (0.25, 0.8) → flat at 0.8 (the all-strong point is no better): 0.25 · 0.7 + 0.75 · 0.8 = 0.775.
    @Test func aGoodOperatingPointRaisesTheHullAndMoneyNeverBuysLess() {
        let area = AIQ.area(of: [point(0, 0.6), point(0.25, 0.8), point(1, 0.8)], cheapest: 0, dearest: 1)
        #expect(abs(area - 0.775) < 1e-12)
        // A dearer point that is worse is flattened: the same area.
        let withWorse = AIQ.area(of: [point(0, 0.6), point(0.25, 0.8), point(0.5, 0.7), point(1, 0.75)], cheapest: 0, dearest: 1)
        #expect(abs(withWorse - 0.775) < 1e-12)
    }

    /// A point below the hull changes nothing; points between the hull's corners are mixed.
    @Test func pointsBelowTheHullDoNotCount() {
        let line = AIQ.area(of: [point(0, 0.5), point(1, 0.9)], cheapest: 0, dearest: 1)
        let below = AIQ.area(of: [point(0, 0.5), point(0.5, 0.6), point(1, 0.9)], cheapest: 0, dearest: 1)
        #expect(abs(line - 0.7) < 1e-12 && abs(below - 0.7) < 1e-12)
        // (0.5, 0.8) is above the line (0.7 there): two trapezoids, 0.5 · 0.65 + 0.5 · 0.85 = 0.75.
        #expect(abs(AIQ.area(of: [point(0, 0.5), point(0.5, 0.8), point(1, 0.9)], cheapest: 0, dearest: 1) - 0.75) < 1e-12)
    }

    /// Without a point at the cheapest cost the hull starts flat at its first point.
    @Test func aBudgetBelowEveryPointBuysTheCheapestPoint() {
        // Flat 0.6 on [0, 0.5], then the line to (1, 0.8): 0.3 + 0.5 · 0.7 = 0.65.
        #expect(abs(AIQ.area(of: [point(0.5, 0.6), point(1, 0.8)], cheapest: 0, dearest: 1) - 0.65) < 1e-12)
    }
}
