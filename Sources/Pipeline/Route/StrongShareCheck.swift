/// Warns before a threshold wastes money: the share of the memory's prompts a router's own
/// threshold sends to the strong model, logged and exposed whenever a route stage takes a
/// router (at start, and at each new ratings version) or a price change takes effect (what
/// each strong decision costs moved), with a warning when it is above 95 %
/// (about everything goes strong: routing saves nothing) or below 5 % (about nothing does:
/// quality is given away). A threshold copied from another memory, or a calibration that a
/// new model's tiers have moved, shows here before the money is spent.
enum StrongShareCheck {
    static let sensible = 0.05...0.95

    /// The warning for `share`, or nil when it is within `sensible`.
    static func warning(share: Double, threshold: Double) -> String? {
        guard !sensible.contains(share) else { return nil }
        let percent = Int((share * 100).rounded())
        return "threshold \(threshold) sends \(percent) % of the memory's prompts to the strong model: "
            + (share > sensible.upperBound ? "routing saves almost nothing" : "almost every query goes to the weak model")
            + "; set routing.strong_share to calibrate, or check routing.threshold"
    }

    /// Measures `snapshot`'s share; `cause` says what made the stage measure it (the log's `after`).
    static func report(_ snapshot: RouterSnapshot, after cause: String, metrics: MetricsRegistry, log: StageLog) {
        do {
            let share = try snapshot.memoryStrongShare()
            metrics.set(.routerMemoryStrongShare, to: share)
            if let warning = warning(share: share, threshold: snapshot.threshold) {
                metrics.increment(.strongShareWarnings, labels: ["sample": "memory", "reason": LiveStrongShare.Reason.outside.rawValue])
                log(.warning, warning, ["memory_strong_share": share, "ratings_version": snapshot.ratingsVersion, "after": cause])
            } else {
                log(.info, "strong share on the memory", ["memory_strong_share": share, "threshold": snapshot.threshold, "after": cause])
            }
        } catch {
            log(.warning, "cannot measure the strong share on the memory", ["error": "\(error)"])
        }
    }
}
