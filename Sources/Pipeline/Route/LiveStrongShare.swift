/// The share of a route stage's recent decisions that went to the reference (strong) model,
/// over the last `window` decisions, and the warnings it owes: once when the share leaves 5–95 %
/// (routing saves nothing, or gives quality away), and once when it drifts from the calibrated
/// target (`routing.strong_share`) by more than `routing.strong_share_drift` — each again only
/// after the share has come back. The memory's share (`StrongShareCheck`) says what a threshold
/// would do; this says what the live traffic gets.
struct LiveStrongShare {
    /// Decisions the share is measured over, and the fewest it is reported on.
    static let window = 1_000
    static let minimumDecisions = 200

    private var strong = [Bool](repeating: false, count: window)
    private var next = 0
    private var count = 0
    private var strongCount = 0
    private var outsideSensible = false
    private var drifting = false
    let target: Double?
    let allowedDrift: Double

    init(target: Double?, allowedDrift: Double) {
        self.target = target
        self.allowedDrift = allowedDrift
    }

    /// The share, once `minimumDecisions` were seen.
    var share: Double? {
        count >= Self.minimumDecisions ? Double(strongCount) / Double(count) : nil
    }

    /// Adds decisions (true: the reference model was chosen) and returns the warnings they
    /// newly call for.
    mutating func record(_ decisions: some Sequence<Bool>) -> [String] {
        for wentStrong in decisions {
            if count == Self.window {
                if strong[next] { strongCount -= 1 }
            } else {
                count += 1
            }
            strong[next] = wentStrong
            if wentStrong { strongCount += 1 }
            next = (next + 1) % Self.window
        }
        guard let share else { return [] }
        var warnings: [String] = []
        let percent = Int((share * 100).rounded())
        let outside = !StrongShareCheck.sensible.contains(share)
        if outside && !outsideSensible {
            warnings.append("the last \(count) decisions sent \(percent) % of the traffic to the strong model: "
                            + (share > StrongShareCheck.sensible.upperBound ? "routing saves almost nothing" : "almost every query goes to the weak model"))
        }
        outsideSensible = outside
        if let target {
            let drifts = abs(share - target) > allowedDrift
            if drifts && !drifting {
                warnings.append("the last \(count) decisions sent \(percent) % of the traffic to the strong model, "
                                + "\(Int((target * 100).rounded())) % was calibrated (routing.strong_share_drift \(allowedDrift)): "
                                + "the traffic is unlike the prompts the threshold was calibrated on")
            }
            drifting = drifts
        }
        return warnings
    }
}
