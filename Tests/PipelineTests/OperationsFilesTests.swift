import Foundation
import Ledger
import Testing
@testable import Pipeline

/// The files in ops/ and the documentation must match what the program exports and reads.
@Suite struct OperationsFilesTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func text(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    private func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.root.appendingPathComponent(path))) as? [String: Any])
    }

    /// Every `routeledger_*` name in `text`, in order of appearance.
    private func metricNames(in text: String) -> [String] {
        text.matches(of: /routeledger_[a-z0-9_]+/).map { String($0.output) }
    }

    /// Every query of the Grafana dashboard names series the registry exports: a family it
    /// declares, or a histogram family's `_bucket`, `_sum` or `_count`.
    @Test func theDashboardQueriesOnlyExportedMetrics() throws {
        let exported = try ScrapedMetrics(MetricsRegistry().render()).types
        var series: Set<String> = []
        for (name, type) in exported {
            series.formUnion(type == "histogram" ? [name + "_bucket", name + "_sum", name + "_count"] : [name])
        }
        let dashboard = try json("ops/grafana/routeledger-dashboard.json")
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var queried: Set<String> = []
        for panel in panels where panel["type"] as? String != "row" {
            let targets = try #require(panel["targets"] as? [[String: Any]], "panel \(panel["title"] ?? "?") has no targets")
            for target in targets {
                let expression = try #require(target["expr"] as? String)
                let names = metricNames(in: expression)
                #expect(!names.isEmpty, "\(expression) queries no RouteLedger metric")
                for name in names { #expect(series.contains(name), "the dashboard queries \(name), which /metrics does not export") }
                queried.formUnion(names)
            }
        }
        // And it shows every family: a metric nobody can see on the dashboard is worth a panel.
        for name in exported.keys where !queried.contains(where: { $0 == name || $0.hasPrefix(name + "_") }) {
            Issue.record("no panel shows \(name)")
        }
    }

    /// Every exported family is described in the operations or learning documentation.
    @Test func everyMetricIsDocumented() throws {
        let documented = Set(metricNames(in: try text("docs/OPERATIONS.md") + text("docs/LEARNING.md")))
        for metric in Metric.all { #expect(documented.contains(metric.name), "\(metric.name) is not in docs/OPERATIONS.md or LEARNING.md") }
    }

    /// The settings documented in docs/CONFIGURATION.md's table, e.g. `routing.threshold`.
    private func documentedSettings() throws -> Set<String> {
        let document = try text("docs/CONFIGURATION.md")
        let table = try #require(document.components(separatedBy: "## Settings").dropFirst().first?
            .components(separatedBy: "\n## ").first)
        var settings: Set<String> = []
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let firstCell = line.split(separator: "|", omittingEmptySubsequences: true).first ?? ""
            settings.formUnion(firstCell.matches(of: /`([a-z_.]+)`/).map { String($0.output.1) })
        }
        return settings
    }

    /// Free-form maps whose keys are data (librdkafka properties, sources), not settings.
    private static let freeForm: Set<String> = ["kafka.properties", "kafka.consumer_properties", "kafka.producer_properties",
                                                "memory_limits.max_battles_per_source"]

    /// The settings of the example, each with whether it is explained: by a `#key` comment
    /// beside it or by its name in its section's `#` comment. A `#name` key holding a value other
    /// than an explanation is a setting written out but left out (an alternative). A section
    /// (a nested object of settings) counts as explained when it has its `#` comment.
    private func exampleSettings(_ object: [String: Any], path: String = "") -> [(setting: String, explained: Bool)] {
        let note = object["#"] as? String ?? ""
        var settings: [(String, Bool)] = []
        for (key, value) in object where key != "#" {
            let name = key.hasPrefix("#") ? String(key.dropFirst()) : key
            if key.hasPrefix("#"), object[name] != nil { continue }   // the explanation of `name`
            let full = path.isEmpty ? name : "\(path).\(name)"
            if let section = value as? [String: Any], !Self.freeForm.contains(full), !key.hasPrefix("#") {
                settings.append(("section \(full)", section["#"] is String))
                settings += exampleSettings(section, path: full)
            } else {
                settings.append((full, object["#" + name] is String || note.contains(name)))
            }
        }
        return settings
    }

    /// ops/routeledger.example.json shows every documented setting (alternatives as `#name`),
    /// explains each, and has no setting the documentation lacks; and the program accepts it.
    @Test func theExampleConfigurationShowsAndExplainsEverySetting() throws {
        _ = try RouteLedgerConfiguration.load(file: Self.root.appendingPathComponent("ops/routeledger.example.json"), environment: [:])
        let example = exampleSettings(try json("ops/routeledger.example.json"))
        let documented = try documentedSettings()
        for (setting, explained) in example {
            #expect(explained, "\(setting) has no comment in the example configuration")
        }
        let shown = Set(example.map(\.setting).filter { !$0.hasPrefix("section ") })
        for setting in shown.subtracting(documented) {
            Issue.record("\(setting) is in the example but not in docs/CONFIGURATION.md")
        }
        for setting in documented.subtracting(shown) {
            Issue.record("\(setting) is documented but the example configuration does not show it")
        }
    }

    /// The compose file creates every topic the example configuration uses.
    /// The shipped public price list reads as a price list, every line a priced model, and says
    /// where its prices come from.
    @Test func thePublicPriceListIsAPriceListWithItsSources() throws {
        let text = try text("ops/prices/public-2026.csv")
        let list = try PriceList(parsing: text)
        #expect(list.prices.count == text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.count - 1)
        #expect(list.prices.values.allSatisfy { $0.inputPerMillion > .zero && $0.outputPerMillion > .zero })
        #expect(text.contains("Read on 2026-12-02") && text.contains("openrouter.ai/models/"))
    }

    @Test func theComposeFileCreatesEveryConfiguredTopic() throws {
        let compose = try text("ops/docker-compose.yml")
        let configuration = try RouteLedgerConfiguration.load(file: Self.root.appendingPathComponent("ops/routeledger.example.json"),
                                                              environment: [:])
        let topics = configuration.topics
        let models = [configuration.routing.strong] + configuration.routing.cheaper
        for topic in [topics.queries, topics.decisions, topics.deadLetter, topics.usage, topics.votes, topics.thresholds]
                + models.map(topics.route(for:)) {
            #expect(compose.contains(" \(topic) ") || compose.contains(" \(topic);"), "the compose file does not create \(topic)")
        }
    }
}
