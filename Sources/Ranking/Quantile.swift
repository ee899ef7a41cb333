/// The q-quantile of values with linear interpolation between order statistics (NumPy's default
/// `linear` method, which RouteLLM's threshold calibration and LMArena's intervals use).
public func linearQuantile(_ values: [Double], _ q: Double) -> Double {
    precondition(!values.isEmpty, "quantile of no values")
    return linearQuantile(sorted: values.sorted(), q)
}

func linearQuantile(sorted: [Double], _ q: Double) -> Double {
    let position = min(max(q, 0), 1) * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}
