import Foundation
import Streams

/// Runs `session` until it returns or shutdown is requested, starting it again after each
/// failure with a back-off (1 s doubling to 30 s), and logging the failure with `message`. A
/// failure `isFinal` accepts (a misconfiguration, which waiting will not cure) is rethrown.
func runRestarting(_ session: () throws -> Void, shutdown: ShutdownSignal, log: StageLog, message: String,
                   isFinal: (any Error) -> Bool = { _ in false }) throws {
    var failures = 0
    while !shutdown.isRequested {
        do {
            try session()
            return
        } catch where !isFinal(error) {
            failures += 1
            let delay = min(30.0, 0.5 * pow(2, Double(min(failures, 6))))
            log(.error, message, ["error": error, "retry_in_s": delay])
            _ = shutdown.wait(timeout: .milliseconds(Int(delay * 1_000)))
        }
    }
}
