import Foundation

/// Waiting for work done on other threads (a stage consuming, the ledger filling) by looking
/// again and again: the stages report counters, not events to wait on.
enum Polling {
    /// Looks every 5 ms until `condition` holds; false once `timeout` has passed.
    static func until(timeout: Duration, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return true
    }

    /// Looks every `interval` until `progress()` reaches `target`, showing each value to
    /// `observe`; stops early once it has not moved for `stallTimeout`. Returns the last value
    /// seen, which is below `target` after a stall.
    static func whileProgressing(to target: Int, stallTimeout: Duration, interval: Duration = .milliseconds(5),
                                 _ progress: () throws -> Int, observe: (Int) -> Void = { _ in }) rethrows -> Int {
        var last = try progress()
        var lastMoved = ContinuousClock.now
        while last < target {
            observe(last)
            Thread.sleep(forTimeInterval: interval.seconds)
            let current = try progress()
            if current != last {
                last = current
                lastMoved = ContinuousClock.now
            } else if ContinuousClock.now - lastMoved >= stallTimeout {
                break
            }
        }
        return last
    }
}
