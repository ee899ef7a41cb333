import Foundation

/// One item in hand between a thread that prepares items and one that consumes them, so the
/// two overlap: the producer waits while an item is waiting, the consumer while none is.
/// Either side can end it: the producer with `finish` (after which the consumer gets what is
/// waiting, then the end), the consumer with `cancel` (after which `put` refuses).
final class BatchHandoff<Item: Sendable>: @unchecked Sendable {
    // All state is guarded by `condition`.
    private let condition = NSCondition()
    private var waiting: Item?
    private var finished: Result<Void, any Error>?
    private var cancelled = false

    /// Hands `item` over, waiting while the previous one is still waiting; false once cancelled.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while waiting != nil && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        waiting = item
        condition.broadcast()
        return true
    }

    /// No more items; `error` says why, if they ended for a failure.
    func finish(_ error: (any Error)? = nil) {
        condition.lock()
        defer { condition.unlock() }
        finished = error.map { .failure($0) } ?? .success(())
        condition.broadcast()
    }

    /// The consumer stops taking: a producer waiting in `put` returns.
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// The next item; nil when the producer finished, or rethrows the failure it finished with.
    func take() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while waiting == nil && finished == nil { condition.wait() }
        if let item = waiting {
            waiting = nil
            condition.broadcast()
            return item
        }
        try finished?.get()
        return nil
    }
}
