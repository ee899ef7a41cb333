import Foundation

/// A value axis that holds every value given, from a round number to a round number in steps
/// of 1, 2, 2.5 or 5 times a power of ten (about six of them).
struct LinearAxis {
    let low: Double
    let high: Double
    let step: Double

    init(covering values: [Double]) {
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if high - low < 1e-9 {
            low -= 0.5
            high += 0.5
        }
        let rawStep = (high - low) / 6
        let magnitude = pow(10, (log10(rawStep)).rounded(.down))
        step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rawStep } ?? 10 * magnitude
        self.low = (low / step).rounded(.down) * step
        self.high = (high / step).rounded(.up) * step
    }

    var ticks: [Double] {
        Array(stride(from: low, through: high + step / 2, by: step))
    }

    /// As many decimals as the step needs (0.025 → 3), so ticks read as round numbers.
    func label(_ value: Double) -> String {
        let decimals = (0...6).first { abs((step * pow(10, Double($0))).rounded() - step * pow(10, Double($0))) < 1e-9 } ?? 6
        return String(format: "%.\(decimals)f", value)
    }
}
