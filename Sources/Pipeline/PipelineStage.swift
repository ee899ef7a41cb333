import Foundation
import Streams
import Synchronization

/// A long-running stage of `routeledger run` (route, ledger, learn): consumes until its
/// shutdown signal is raised, finishing and committing the batch in hand first.
public protocol PipelineStage: Sendable {
    var name: String { get }
    /// Whether the stage can do its work now, and why not: what `/readyz` reports.
    func readiness() -> Readiness
    func run() throws
}

extension RouteStage: PipelineStage {
    public var name: String { "route" }
}

/// Runs stages side by side, each on its own thread, until all have returned. When one fails,
/// the others are asked to stop too, and the first failure is rethrown.
public func runStages(_ stages: [any PipelineStage], shutdown: ShutdownSignal) throws {
    let group = DispatchGroup()
    let failure = Mutex<(any Error)?>(nil)
    for stage in stages {
        group.enter()
        Thread.detachNewThread {
            do {
                try stage.run()
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
                shutdown.request(reason: "the \(stage.name) stage failed")
            }
            group.leave()
        }
    }
    group.wait()
    if let error = failure.withLock({ $0 }) { throw error }
}
