import Foundation
import Ranking

/// The route stage's ranking thread: ranks one parsed batch at a time (`RouteBatchRanker`), with
/// a scratch workspace of its own, so the stage's thread reads the next batch and delivers the
/// one before meanwhile. The stage starts a batch, takes its ranking, and only then starts the
/// next: one batch ranked at a time, none waiting.
final class RankingThread: Sendable {
    private let batches = BatchHandoff<ParsedRouteBatch>()
    private let rankings = BatchHandoff<RankedRouteBatch>()
    private let stopped = DispatchSemaphore(value: 0)

    init(ranker: RouteBatchRanker) {
        let (batches, rankings, stopped) = (batches, rankings, stopped)
        Thread.detachNewThread {
            // Named for `top -H` and /proc (docs/ARCHITECTURE.md, "What runs where").
            nameCurrentThread("route-ranking")
            let workspace = RankingWorkspace()
            // `batches` is only ever finished without an error.
            while let batch = try? batches.take() {
                guard rankings.put(ranker.rank(batch, workspace: workspace)) else { break }
            }
            rankings.finish()
            stopped.signal()
        }
    }

    /// Starts ranking `batch`; the ranking of the batch before must have been taken.
    func start(_ batch: ParsedRouteBatch) {
        _ = batches.put(batch)
    }

    /// The ranking of the batch started last, once it is done.
    func ranking() -> RankedRouteBatch {
        guard let ranked = try? rankings.take() else { preconditionFailure("no batch was started, or the thread was stopped") }
        return ranked
    }

    /// Lets the thread finish the batch it ranks, if any, drops that ranking, and waits for the
    /// thread to end: nothing uses the ranker's workspace after this returns.
    func stop() {
        batches.finish()
        rankings.cancel()
        stopped.wait()
    }
}
