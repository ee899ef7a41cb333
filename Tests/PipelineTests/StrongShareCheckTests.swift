import Testing
import TestSupport
@testable import Pipeline

/// The share of the memory's prompts a threshold sends strong, and the warning outside 5–95 %.
/// The memory: one prompt the strong model won (its win rate there about 0.91), one it lost
/// (about 0.09).
@Suite struct StrongShareCheckTests {
    @Test(arguments: [(0.5, 0.5), (0.05, 1.0), (0.95, 0.0)])
    func theShareIsThePromptsAtOrAboveTheThreshold(_ threshold: Double, _ share: Double) throws {
        let (_, snapshot) = try twoTopicRouting(threshold: threshold)
        #expect(try snapshot.memoryStrongShare() == share)
        let metrics = MetricsRegistry()
        StrongShareCheck.report(snapshot, after: "start", metrics: metrics, log: StageLog(component: "test", minimumLevel: .error))
        #expect(metrics.value(.routerMemoryStrongShare) == share)
        #expect((StrongShareCheck.warning(share: share, threshold: threshold) == nil) == (share == 0.5))
    }

    @Test func theWarningSaysWhichWayMoneyIsLost() {
        #expect(StrongShareCheck.warning(share: 1, threshold: 0.5)?.contains("routing saves almost nothing") == true)
        #expect(StrongShareCheck.warning(share: 0.02, threshold: 0.5)?.contains("weak model") == true)
        #expect(StrongShareCheck.warning(share: 0.05, threshold: 0.5) == nil)
        #expect(StrongShareCheck.warning(share: 0.95, threshold: 0.5) == nil)
    }
}
