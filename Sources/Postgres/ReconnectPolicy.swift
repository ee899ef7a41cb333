/// How long to keep trying to (re)connect while the server cannot be reached or is starting
/// up, waiting longer after each failure.
///
/// Only those failures are retried: when the server answers and refuses (wrong password,
/// missing database), the first error is final.
public struct ReconnectPolicy: Sendable {
    /// Wait after the first failed attempt.
    public var initialDelay: Duration
    /// Longest wait between attempts; each wait doubles until it reaches this.
    public var maximumDelay: Duration
    /// No attempt starts after this much time has passed since the first.
    public var giveUpAfter: Duration

    public init(initialDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(5),
                giveUpAfter: Duration = .seconds(30)) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.giveUpAfter = giveUpAfter
    }

    /// 0.1 s, doubling to at most 5 s, for 30 s.
    public static let standard = ReconnectPolicy()
    /// A single attempt.
    public static let never = ReconnectPolicy(giveUpAfter: .zero)

    /// The wait after `failures` failed attempts, with up to half of it taken off at random so
    /// that many clients of a restarted server do not return in step.
    func delay(afterFailures failures: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(failures, 1) where delay < maximumDelay {
            delay *= 2
        }
        delay = min(delay, maximumDelay)
        return delay * Double.random(in: 0.5...1.0)
    }
}
