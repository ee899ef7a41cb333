import Foundation
import Synchronization

/// The process's metrics, rendered in Prometheus' text exposition format (version 0.0.4) at
/// `/metrics`. Counters and gauges carry optional labels; histograms have fixed buckets.
/// Thread-safe: stages update it from their loops, the HTTP server reads it.
public final class MetricsRegistry: Sendable {
    private struct Family {
        let help: String
        let type: String
        var samples: [Labels: Double] = [:]
        var histograms: [Labels: Histogram] = [:]
    }

    public typealias Labels = [String: String]

    private struct Histogram {
        let bounds: [Double]
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0

        init(bounds: [Double]) {
            self.bounds = bounds
            counts = [UInt64](repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (index, bound) in bounds.enumerated() where value <= bound { counts[index] += 1 }
            sum += value
            count += 1
        }
    }

    private let families = Mutex([String: Family]())

    public init() {}

    /// Adds to a counter (created at zero on first use).
    public func increment(_ name: String, help: String, labels: Labels = [:], by amount: Double = 1) {
        families.withLock { families in
            families[name, default: Family(help: help, type: "counter")].samples[labels, default: 0] += amount
        }
    }

    public func set(_ name: String, help: String, labels: Labels = [:], to value: Double) {
        families.withLock { families in
            families[name, default: Family(help: help, type: "gauge")].samples[labels] = value
        }
    }

    /// Records one observation; `bounds` (ascending upper bounds) fix the buckets on first use.
    public func observe(_ name: String, help: String, bounds: [Double], labels: Labels = [:], _ value: Double) {
        families.withLock { families in
            var family = families[name] ?? Family(help: help, type: "histogram")
            family.histograms[labels, default: Histogram(bounds: bounds)].observe(value)
            families[name] = family
        }
    }

    /// The current value of a counter or gauge, for tests and summaries.
    public func value(_ name: String, labels: Labels = [:]) -> Double? {
        families.withLock { $0[name]?.samples[labels] }
    }

    public func render() -> String {
        families.withLock { families in
            var text = ""
            for name in families.keys.sorted() {
                let family = families[name]!
                text += "# HELP \(name) \(escapeHelp(family.help))\n# TYPE \(name) \(family.type)\n"
                for labels in family.samples.keys.sorted(by: labelOrder) {
                    text += "\(name)\(render(labels)) \(format(family.samples[labels]!))\n"
                }
                for labels in family.histograms.keys.sorted(by: labelOrder) {
                    let histogram = family.histograms[labels]!
                    for (bound, count) in zip(histogram.bounds, histogram.counts) {
                        text += "\(name)_bucket\(render(labels.merging(["le": format(bound)]) { $1 })) \(count)\n"
                    }
                    text += "\(name)_bucket\(render(labels.merging(["le": "+Inf"]) { $1 })) \(histogram.count)\n"
                    text += "\(name)_sum\(render(labels)) \(format(histogram.sum))\n"
                    text += "\(name)_count\(render(labels)) \(histogram.count)\n"
                }
            }
            return text
        }
    }

    private func render(_ labels: Labels) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.keys.sorted().map { "\($0)=\"\(escapeLabel(labels[$0]!))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }
}

private func labelOrder(_ a: MetricsRegistry.Labels, _ b: MetricsRegistry.Labels) -> Bool {
    a.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.lexicographicallyPrecedes(
        b.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
}

private func format(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

private func escapeLabel(_ value: String) -> String {
    value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: "\\n")
}

private func escapeHelp(_ value: String) -> String {
    value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
}
