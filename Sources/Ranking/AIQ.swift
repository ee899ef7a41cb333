/// RouterBench's AIQ (Hu et al., arXiv 2403.12031): how much quality a router buys across every
/// budget, as one number. Its operating points (cost, quality) — one per threshold — are
/// joined by the non-decreasing convex hull: any two points can be mixed (route a share of the
/// queries at one threshold, the rest at the other), so quality on the segment between them is
/// reachable, and spending more never has to buy less (a dearer point below the best so far is
/// replaced by the best so far). AIQ is the area under that hull with cost normalised to [0, 1]
/// between the cheapest and the dearest policy, so it is a quality: the mean over budgets of the
/// best quality affordable.
public enum AIQ {
    /// One operating point: what a policy costs (any unit, e.g. dollars) and the quality it gets.
    public struct Point: Sendable, Equatable {
        public let cost: Double
        public let quality: Double

        public init(cost: Double, quality: Double) {
            self.cost = cost
            self.quality = quality
        }
    }

    /// The area under the non-decreasing convex hull of `points` over [`cheapest`, `dearest`],
    /// divided by its width. Points outside the interval are clamped into it; a budget below
    /// every point buys the cheapest point's quality (nothing cheaper exists to mix with).
    public static func area(of points: [Point], cheapest: Double, dearest: Double) -> Double {
        let hull = hull(of: points, cheapest: cheapest, dearest: dearest)
        // Flat before the first point and after the last.
        var area = hull[0].cost * hull[0].quality + (1 - hull[hull.count - 1].cost) * hull[hull.count - 1].quality
        for (left, right) in zip(hull, hull.dropFirst()) {
            area += (right.cost - left.cost) * (left.quality + right.quality) / 2
        }
        return area
    }

    /// The corners of the non-decreasing convex hull of `points`, by rising cost normalised to
    /// [0, 1] between `cheapest` and `dearest` (clamped into it): what AIQ is the area under.
    public static func hull(of points: [Point], cheapest: Double, dearest: Double) -> [Point] {
        precondition(!points.isEmpty && dearest > cheapest, "AIQ needs a point and a cost interval")
        let normalised = points.map { Point(cost: min(max(($0.cost - cheapest) / (dearest - cheapest), 0), 1), quality: $0.quality) }
            .sorted { ($0.cost, $0.quality) < ($1.cost, $1.quality) }
        return nonDecreasingHull(normalised)
    }

    /// The upper convex hull of points sorted by cost (monotone chain), cut where it stops
    /// rising: past its highest point, more money buys nothing more.
    static func nonDecreasingHull(_ sorted: [Point]) -> [Point] {
        var hull: [Point] = []
        for point in sorted {
            // Of several points at one cost, only the best can be on the hull.
            if let last = hull.last, last.cost == point.cost {
                if point.quality <= last.quality { continue }
                hull.removeLast()
            }
            while hull.count >= 2 {
                let (a, b) = (hull[hull.count - 2], hull[hull.count - 1])
                // b lies on or below the segment a → point: not a corner of the upper hull.
                let cross = (b.cost - a.cost) * (point.quality - a.quality) - (b.quality - a.quality) * (point.cost - a.cost)
                if cross >= 0 { hull.removeLast() } else { break }
            }
            hull.append(point)
        }
        let peak = hull.indices.max { hull[$0].quality < hull[$1].quality }!
        return Array(hull[...peak])
    }
}
