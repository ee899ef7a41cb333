/// The warnings a route stage owes about its live strong share — the share of its latest
/// queries (`LiveTraffic`) that the threshold in use sends to the reference (strong) model:
/// once when the share leaves 5–95 % (routing saves nothing, or gives quality away), and once
/// when it drifts from the calibrated target (`routing.strong_share`) by more than
/// `routing.strong_share_drift` — each again only after the share has come back. The memory's
/// share (`StrongShareCheck`) says what a threshold does to the prompts it was set on; this
/// says what it does to the traffic.
struct LiveStrongShare {
    enum Reason: String {
        /// Outside 5–95 %.
        case outside
        /// Farther than the allowed drift from the calibrated share.
        case drift
    }

    struct Warning: Equatable {
        let reason: Reason
        let message: String
    }

    let target: Double?
    let allowedDrift: Double
    private var outsideSensible = false
    private var drifting = false

    init(target: Double?, allowedDrift: Double) {
        self.target = target
        self.allowedDrift = allowedDrift
    }

    /// The warnings newly owed now that the threshold sends `share` of the latest `queries`
    /// queries strong.
    mutating func review(share: Double, over queries: Int) -> [Warning] {
        var warnings: [Warning] = []
        let sent = "the threshold sends \(Self.percent(share)) of the last \(queries) queries to the strong model"
        let outside = !StrongShareCheck.sensible.contains(share)
        if outside && !outsideSensible {
            warnings.append(Warning(reason: .outside, message: sent + ": "
                + (share > StrongShareCheck.sensible.upperBound ? "routing saves almost nothing" : "almost every query goes to the weak model")))
        }
        outsideSensible = outside
        if let target {
            let drifts = abs(share - target) > allowedDrift
            if drifts && !drifting {
                warnings.append(Warning(reason: .drift, message: sent + ", \(Self.percent(target)) was calibrated "
                    + "(routing.strong_share_drift \(allowedDrift)): the traffic has moved away from the sample the threshold was calibrated on"))
            }
            drifting = drifts
        }
        return warnings
    }

    private static func percent(_ share: Double) -> String {
        "\(Int((share * 100).rounded())) %"
    }
}
