import Testing
@testable import Pipeline

/// The warnings owed on the live strong share, once per excursion.
@Suite struct LiveStrongShareTests {
    /// All strong warns once; the warning comes again only after the share was back in 5–95 %
    /// and left it again (here towards the weak model).
    @Test func leavingFiveToNinetyFivePercentWarnsOncePerExcursion() {
        var live = LiveStrongShare(target: nil, allowedDrift: 0.15)
        let first = live.review(share: 1, over: 500)
        #expect(first.map(\.reason) == [.outside] && first[0].message.contains("routing saves almost nothing"))
        #expect(live.review(share: 0.97, over: 600).isEmpty)
        #expect(live.review(share: 0.5, over: 700).isEmpty)
        let second = live.review(share: 0, over: 800)
        #expect(second.map(\.reason) == [.outside] && second[0].message.contains("almost every query goes to the weak model"))
        #expect(live.review(share: 0.04, over: 900).isEmpty)
    }

    /// Calibrated for 40 %: 50 % is within 0.15, 70 % drifts (one warning), back to 40 % clears
    /// it, and drifting again (to 10 %) warns again.
    @Test func driftFromTheCalibratedShareWarnsOncePerExcursion() {
        var live = LiveStrongShare(target: 0.4, allowedDrift: 0.15)
        #expect(live.review(share: 0.5, over: 1_000).isEmpty)
        let drifted = live.review(share: 0.7, over: 1_000)
        #expect(drifted.map(\.reason) == [.drift] && drifted[0].message.contains("40 % was calibrated"))
        #expect(live.review(share: 0.7, over: 1_000).isEmpty)
        #expect(live.review(share: 0.4, over: 1_000).isEmpty)
        #expect(live.review(share: 0.1, over: 1_000).map(\.reason) == [.drift])
    }

    /// Without a calibrated share there is nothing to drift from.
    @Test func aFixedThresholdOwesNoDriftWarning() {
        var live = LiveStrongShare(target: nil, allowedDrift: 0.15)
        #expect(live.review(share: 0.5, over: 500).isEmpty)
        #expect(live.review(share: 0.9, over: 500).isEmpty)
    }
}
