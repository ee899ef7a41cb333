import Testing
@testable import Pipeline

/// The live strong share over a route stage's last decisions and the warnings it owes, once per
/// excursion.
@Suite struct LiveStrongShareTests {
    @Test func nothingIsReportedBeforeTwoHundredDecisions() {
        var live = LiveStrongShare(target: nil, allowedDrift: 0.15)
        #expect(live.record(Array(repeating: true, count: 199)).isEmpty)
        #expect(live.share == nil)
        #expect(live.record([true]).count == 1)
        #expect(live.share == 1)
    }

    /// All strong warns once; the warning comes again only after the share was back in 5–95 %
    /// and left it again (here towards the weak model).
    @Test func leavingFiveToNinetyFivePercentWarnsOncePerExcursion() {
        var live = LiveStrongShare(target: nil, allowedDrift: 0.15)
        #expect(live.record(Array(repeating: true, count: 300)).count == 1)
        #expect(live.record(Array(repeating: true, count: 300)).isEmpty)
        // 1,000 weak decisions push the 1,000-decision window through 50 % down to 0 %.
        var warnings: [String] = []
        for _ in 0..<10 { warnings += live.record(Array(repeating: false, count: 100)) }
        #expect(live.share == 0)
        #expect(warnings.count == 1 && warnings[0].contains("almost every query goes to the weak model"))
    }

    /// Calibrated for 40 %: 50 % is within 0.15, 70 % drifts (one warning), back to 40 % clears
    /// it, and drifting again warns again.
    @Test func driftFromTheCalibratedShareWarnsOncePerExcursion() {
        var live = LiveStrongShare(target: 0.4, allowedDrift: 0.15)
        func decisions(strong: Int, of total: Int) -> [Bool] { (0..<total).map { $0 < strong } }
        #expect(live.record(decisions(strong: 500, of: 1_000)).isEmpty)
        let drifted = live.record(decisions(strong: 700, of: 1_000))
        #expect(drifted.count == 1 && drifted[0].contains("40 % was calibrated"))
        #expect(live.record(decisions(strong: 700, of: 1_000)).isEmpty)
        #expect(live.record(decisions(strong: 400, of: 1_000)).isEmpty)
        #expect(live.record(decisions(strong: 100, of: 1_000)).count == 1)
    }
}
