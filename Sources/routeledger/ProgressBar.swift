import Foundation

/// Progress of a long task on standard error: count, rate and estimated time left. On a
/// terminal the bar is redrawn in place; into a file or pipe a line is written every 10 seconds,
/// so a log stays readable.
final class ProgressBar {
    private let label: String
    private let unit: String
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var lastDrawn: ContinuousClock.Instant?
    private let isTerminal = isatty(STDERR_FILENO) == 1

    init(label: String, unit: String) {
        self.label = label
        self.unit = unit
        started = clock.now
    }

    func update(done: Int, total: Int) {
        guard total > 0 else { return }
        let now = clock.now
        let interval: Duration = isTerminal ? .milliseconds(200) : .seconds(10)
        if done < total, let lastDrawn, now - lastDrawn < interval { return }
        lastDrawn = now
        let seconds = max((now - started).seconds, 1e-9)
        let rate = Double(done) / seconds
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        let width = 24
        let filled = min(width, done * width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let text = "\(label) [\(bar)] \(done)/\(total) \(unit)  \(String(format: "%.1f", rate)) \(unit)/s  "
            + (done == total ? "done in \(formatDuration(seconds))" : "ETA \(formatDuration(eta))")
        printStandardError(isTerminal ? "\r\(text)\u{1B}[K" + (done == total ? "\n" : "") : "\(text)\n")
    }

    private func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", whole / 60 % 60))m"
    }
}
