/// The threshold on the strong model's win rate that sends a chosen share of traffic to it, and
/// back. RouteLLM calibrates on a sample of queries: the threshold is the (1 − share)-quantile of
/// their win rates, and a query goes to the strong model when its win rate is ≥ the threshold.
public enum ThresholdCalibration {
    public static func threshold(winRates: [Double], strongShare: Double) -> Double {
        precondition(!winRates.isEmpty, "calibration needs at least one win rate")
        precondition((0...1).contains(strongShare), "a share lies in 0...1")
        return linearQuantile(winRates, 1 - strongShare)
    }

    /// The share of `winRates` that a threshold sends to the strong model.
    public static func strongShare(winRates: [Double], threshold: Double) -> Double {
        guard !winRates.isEmpty else { return 0 }
        return Double(winRates.count { $0 >= threshold }) / Double(winRates.count)
    }
}
