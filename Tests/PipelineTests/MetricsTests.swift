import Foundation
import Ledger
import Testing
@testable import Pipeline

@Suite struct MetricsRegistryTests {
    private let events = Metric("test_events_total", .counter, "Events read.")
    private let level = Metric("test_level", .gauge, "A level.")
    private let latency = Metric("test_seconds", .histogram, "Latency.", buckets: [0.01, 0.1, 1])

    @Test func rendersCountersGaugesAndHistogramsInPrometheusFormat() throws {
        let registry = MetricsRegistry(declaring: [])
        registry.increment(events, labels: ["stage": "route"], by: 3)
        registry.increment(events, labels: ["stage": "route"])
        registry.set(level, to: 7)
        registry.observe(latency, [0.004, 0.02])
        registry.observe(latency, 0.3)
        let text = registry.render()
        #expect(text.contains("# HELP test_events_total Events read.\n# TYPE test_events_total counter\ntest_events_total{stage=\"route\"} 4\n"))
        #expect(text.contains("# TYPE test_level gauge\ntest_level 7\n"))
        // Buckets are cumulative.
        let scraped = try ScrapedMetrics(text)
        #expect(scraped.value("test_seconds_bucket", ["le": "0.01"]) == "1")
        #expect(scraped.value("test_seconds_bucket", ["le": "0.1"]) == "2")
        #expect(scraped.value("test_seconds_bucket", ["le": "1"]) == "3")
        #expect(scraped.value("test_seconds_bucket", ["le": "+Inf"]) == "3")
        #expect(scraped.value("test_seconds_count") == "3")
        #expect(abs((scraped.number("test_seconds_sum") ?? 0) - 0.324) < 1e-12)
    }

    @Test func escapesLabelValues() throws {
        let registry = MetricsRegistry(declaring: [])
        registry.increment(events, labels: ["reason": "a\"b\\c\nd"])
        #expect(registry.render().contains(#"test_events_total{reason="a\"b\\c\nd"} 1"#))
        #expect(try ScrapedMetrics(registry.render()).value("test_events_total", ["reason": "a\"b\\c\nd"]) == "1")
    }

    /// 2^53 micro-dollars is where a Double stops counting single micro-dollars.
    @Test func moneyIsSummedAndRenderedExactly() {
        let registry = MetricsRegistry(declaring: [])
        let spent = Metric("test_spent_usd_total", .counter, "Spent.")
        let saved = Metric("test_saved_usd", .gauge, "Saved.")
        registry.increment(spent, by: MicroUSD(microunits: 1 << 53))
        registry.increment(spent, by: MicroUSD(microunits: 1))
        registry.increment(spent, by: MicroUSD(microunits: 1))
        registry.set(saved, to: MicroUSD(microunits: -1_500_001))
        let text = registry.render()
        #expect(text.contains("test_spent_usd_total 9007199254.740994\n"))
        #expect(text.contains("test_saved_usd -1.500001\n"))
    }

    @Test func replacingASetOfSamplesDropsTheOnesNoLongerInIt() throws {
        let registry = MetricsRegistry(declaring: [])
        registry.replace(level, matching: ["stage": "route"], with: [["stage": "route", "partition": "0"]: 5, ["stage": "route", "partition": "1"]: 2])
        registry.replace(level, matching: ["stage": "learn"], with: [["stage": "learn", "partition": "0"]: 9])
        registry.replace(level, matching: ["stage": "route"], with: [["stage": "route", "partition": "1"]: 0])
        let scraped = try ScrapedMetrics(registry.render())
        #expect(scraped.all("test_level").count == 2)
        #expect(scraped.value("test_level", ["stage": "route", "partition": "1"]) == "0")
        #expect(scraped.value("test_level", ["stage": "learn", "partition": "0"]) == "9")
    }

    /// Every family of the catalogue is on the page before its first sample, typed.
    @Test func declaredFamiliesAreListedBeforeTheirFirstSample() throws {
        let scraped = try ScrapedMetrics(MetricsRegistry().render())
        #expect(scraped.samples.isEmpty)
        #expect(scraped.types.count == Metric.all.count)
        for metric in Metric.all { #expect(scraped.types[metric.name] == metric.kind.rawValue) }
        #expect(Set(Metric.all.map(\.name)).count == Metric.all.count, "a metric name is declared twice")
    }
}
