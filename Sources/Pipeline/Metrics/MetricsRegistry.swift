import Foundation
import Ledger
import Synchronization

/// The process's metrics, rendered in Prometheus' text exposition format (version 0.0.4) at
/// `/metrics`. Every family of the catalogue (`Metric.all`) is declared at the start, so the
/// endpoint lists it before its first sample. Counters and gauges carry optional labels;
/// histograms have the buckets their `Metric` fixes. Money is kept in exact micro-dollars and
/// rendered as decimal dollars with all six decimals, so a scraped total equals the sum of the
/// decisions' amounts to the micro-dollar. Thread-safe: stages update it from their loops, the
/// HTTP server reads it.
public final class MetricsRegistry: Sendable {
    public typealias Labels = [String: String]

    private struct Family {
        let metric: Metric
        var samples: [Labels: Sample] = [:]
        var histograms: [Labels: Histogram] = [:]
    }

    private enum Sample {
        case number(Double)
        case dollars(MicroUSD)

        var number: Double {
            switch self {
            case .number(let value): value
            case .dollars(let amount): Double(amount.microunits) / 1_000_000
            }
        }

        var text: String {
            switch self {
            case .number(let value): format(value)
            case .dollars(let amount): amount.description
            }
        }
    }

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

    private let families: Mutex<[String: Family]>

    public init(declaring metrics: [Metric] = Metric.all) {
        families = Mutex(Dictionary(metrics.map { ($0.name, Family(metric: $0)) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Adds to a counter.
    public func increment(_ metric: Metric, labels: Labels = [:], by amount: Double = 1) {
        update(metric, expecting: .counter) { family in
            family.samples[labels] = .number((family.samples[labels]?.number ?? 0) + amount)
        }
    }

    /// Adds an amount of money to a counter of dollars, exactly.
    public func increment(_ metric: Metric, labels: Labels = [:], by amount: MicroUSD) {
        update(metric, expecting: .counter) { family in
            guard case .dollars(let current)? = family.samples[labels] else {
                family.samples[labels] = .dollars(amount)
                return
            }
            family.samples[labels] = .dollars(current + amount)
        }
    }

    public func set(_ metric: Metric, labels: Labels = [:], to value: Double) {
        update(metric, expecting: .gauge) { $0.samples[labels] = .number(value) }
    }

    /// Sets a gauge of dollars, rendered exactly.
    public func set(_ metric: Metric, labels: Labels = [:], to amount: MicroUSD) {
        update(metric, expecting: .gauge) { $0.samples[labels] = .dollars(amount) }
    }

    /// Replaces every sample of a gauge whose labels include `matching` by `values`: for a set
    /// that changes as a whole, such as the partitions a consumer owns, where a partition it no
    /// longer owns must disappear rather than keep its last value.
    public func replace(_ metric: Metric, matching: Labels, with values: [Labels: Double]) {
        update(metric, expecting: .gauge) { family in
            family.samples = family.samples.filter { labels, _ in !matching.allSatisfy { labels[$0.key] == $0.value } }
            for (labels, value) in values { family.samples[labels] = .number(value) }
        }
    }

    /// Records observations in a histogram.
    public func observe(_ metric: Metric, labels: Labels = [:], _ values: some Sequence<Double>) {
        update(metric, expecting: .histogram) { family in
            var histogram = family.histograms[labels] ?? Histogram(bounds: metric.buckets)
            for value in values { histogram.observe(value) }
            family.histograms[labels] = histogram
        }
    }

    public func observe(_ metric: Metric, labels: Labels = [:], _ value: Double) {
        observe(metric, labels: labels, CollectionOfOne(value))
    }

    /// The current value of a counter or gauge, for tests and summaries.
    public func value(_ metric: Metric, labels: Labels = [:]) -> Double? {
        families.withLock { $0[metric.name]?.samples[labels]?.number }
    }

    /// The sum of the metric's samples whose labels include `matching` (e.g. one stage's lag
    /// over all its partitions).
    public func total(_ metric: Metric, matching: Labels = [:]) -> Double {
        families.withLock { families in
            (families[metric.name]?.samples ?? [:]).filter { labels, _ in matching.allSatisfy { labels[$0.key] == $0.value } }
                .values.reduce(0) { $0 + $1.number }
        }
    }

    private func update(_ metric: Metric, expecting kind: Metric.Kind, _ change: (inout Family) -> Void) {
        precondition(metric.kind == kind, "\(metric.name) is a \(metric.kind), not a \(kind)")
        families.withLock { families in
            var family = families[metric.name] ?? Family(metric: metric)
            change(&family)
            families[metric.name] = family
        }
    }

    public func render() -> String {
        families.withLock { families in
            var text = ""
            for name in families.keys.sorted() {
                let family = families[name]!
                text += "# HELP \(name) \(escapeHelp(family.metric.help))\n# TYPE \(name) \(family.metric.kind.rawValue)\n"
                for labels in family.samples.keys.sorted(by: labelOrder) {
                    text += "\(name)\(render(labels)) \(family.samples[labels]!.text)\n"
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
