import Foundation
import Synchronization

/// A request to stop, raised by SIGINT or SIGTERM (or by `request()`), that a processing loop
/// checks between batches so it can finish the batch in hand, commit, and close.
///
/// Once a signal is listened for, it no longer ends the process: the loop decides when to
/// stop. A process that must die at once can still be killed with SIGKILL.
public final class ShutdownSignal: @unchecked Sendable {
    // `requested` is read and written only with `condition` locked.
    private var requested: String?
    private let condition = NSCondition()

    /// Listens for `signals` (default SIGINT and SIGTERM) from now on.
    public init(signals: [Int32] = [SIGINT, SIGTERM]) {
        SignalRelay.shared.listen(to: signals, for: self)
    }

    /// Asks for a stop, as a signal would. The first reason given is kept.
    public func request(reason: String = "requested") {
        condition.lock()
        if requested == nil { requested = reason }
        condition.broadcast()
        condition.unlock()
    }

    public var isRequested: Bool { reason != nil }

    /// What asked for the stop (`SIGTERM`, `SIGINT`, or the reason given to `request`).
    public var reason: String? {
        condition.lock()
        defer { condition.unlock() }
        return requested
    }

    /// Blocks until a stop is requested or `timeout` passes; true if a stop was requested.
    @discardableResult
    public func wait(timeout: Duration? = nil) -> Bool {
        let deadline = timeout.map { Date().addingTimeInterval(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) }
        condition.lock()
        defer { condition.unlock() }
        while requested == nil {
            if let deadline {
                if !condition.wait(until: deadline) { return requested != nil }
            } else {
                condition.wait()
            }
        }
        return true
    }
}

/// Signals that arrived and are not yet relayed, one bit per signal number. A signal handler may
/// only do async-signal-safe work: it sets the bit and posts the semaphore; the relay's thread
/// does the rest.
private let pendingSignals = Atomic<UInt64>(0)
private nonisolated(unsafe) let signalArrived: UnsafeMutablePointer<sem_t> = {
    let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    sem_init(semaphore, 0, 0)
    return semaphore
}()

/// Installs the process's handlers for the signals listened for and passes each arriving
/// signal on to the ``ShutdownSignal``s listening for it.
private final class SignalRelay: Sendable {
    static let shared = SignalRelay()

    private struct Listener {
        let signal: Int32
        weak var target: ShutdownSignal?
    }

    private let state = Mutex<(listeners: [Listener], installed: Set<Int32>, started: Bool)>(([], [], false))

    func listen(to signals: [Int32], for target: ShutdownSignal) {
        guard !signals.isEmpty else { return }
        let startThread = state.withLock { state in
            state.listeners.removeAll { $0.target == nil }
            for number in signals {
                state.listeners.append(Listener(signal: number, target: target))
                if state.installed.insert(number).inserted { Self.install(number) }
            }
            defer { state.started = true }
            return !state.started
        }
        if startThread {
            Thread.detachNewThread { [self] in relayForever() }
        }
    }

    private static func install(_ number: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            pendingSignals.bitwiseOr(1 << UInt64(number), ordering: .sequentiallyConsistent)
            sem_post(signalArrived)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(number, &action, nil)
    }

    private func relayForever() {
        // A process-directed signal goes to a thread that does not block it; this one never does,
        // whatever mask the thread that created it had.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_UNBLOCK, &all, nil)
        while true {
            guard sem_wait(signalArrived) == 0 else { continue }
            let pending = pendingSignals.exchange(0, ordering: .sequentiallyConsistent)
            let listeners = state.withLock { $0.listeners }
            for listener in listeners where pending & (1 << UInt64(listener.signal)) != 0 {
                listener.target?.request(reason: Self.name(of: listener.signal))
            }
        }
    }

    private static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
