import Foundation
import Kafka
import Testing

/// `routeledger produce` and `routeledger tail` as an operator runs them: separate processes
/// against a Kafka-protocol broker.
@Suite(.serialized) struct ProduceTailCommandTests {
    let broker: TestKafkaBroker
    let topic = TestKafkaBroker.uniqueName("events")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("produce-tail-\(UUID().uuidString)")

    init() throws {
        broker = try TestKafkaBroker(partitions: 3, topics: [topic])
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private func queryEvent(_ index: Int) -> [String: Any] {
        ["schema": "routeledger.query.v1", "id": "q\(index)", "tenant": "tenant-\(index % 7)",
         "created_at": "2026-11-24T10:00:00Z", "prompt": "question number \(index)", "metadata": ["n": index]]
    }

    private func writeLines(_ lines: [String]) throws -> String {
        let file = directory.appendingPathComponent("\(UUID().uuidString).jsonl")
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: file)
        return file.path
    }

    private func jsonLine(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    private func tail(_ extra: [String]) throws -> RouteLedgerTool.Result {
        try RouteLedgerTool.run(["tail", "--topic", topic, "--bootstrap-servers", broker.bootstrapServers, "--format", "raw"] + extra)
    }

    /// The records `tail --format raw` printed, as parsed JSON objects.
    private func records(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test func everyProducedEventComesBackFromTailWithTheKeyMadeOfItsFields() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = (0..<1_000).map(queryEvent)
        let file = try writeLines(try events.map(jsonLine))

        let produced = try RouteLedgerTool.run(["produce", "--topic", topic, "--key", "tenant:id", "--bootstrap-servers", broker.bootstrapServers, file])
        #expect(produced.status == 0, "\(produced.error)")
        #expect(produced.error.contains("1000 sent to \(topic), 0 refused"), "\(produced.error)")

        let tailed = try tail(["--from-beginning", "--count", "1000", "--timeout", "30"])
        #expect(tailed.status == 0, "\(tailed.error)")
        let records = try records(tailed.output)
        #expect(records.count == 1_000)
        // The key each event should carry, from the index it was made from.
        var expected = Dictionary(uniqueKeysWithValues: events.enumerated().map { index, event in ("tenant-\(index % 7):q\(index)", event) })
        var positions = Set<String>()
        for record in records {
            let key = try #require(record["key"] as? String)
            let value = try #require(record["value"] as? [String: Any])
            let removed = expected.removeValue(forKey: key)
            let sent = try #require(removed, "key \(key) unexpected or twice")
            #expect(NSDictionary(dictionary: value).isEqual(to: sent), "\(key): \(value) is not \(sent)")
            positions.insert("\(record["partition"]!)/\(record["offset"]!)")
        }
        #expect(expected.isEmpty, "\(expected.count) events did not come back")
        #expect(positions.count == 1_000)
    }

    @Test func aFileWithABadLineIsRefusedNamingTheLineAndNothingIsSentUnlessSkipInvalid() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        var lines = try (0..<4).map { try jsonLine(queryEvent($0)) }
        var missingTenant = queryEvent(2)
        missingTenant["tenant"] = nil
        lines[2] = try jsonLine(missingTenant)
        let file = try writeLines(lines)
        let arguments = ["produce", "--topic", topic, "--bootstrap-servers", broker.bootstrapServers, file]

        let refused = try RouteLedgerTool.run(arguments)
        #expect(refused.status == 1)
        #expect(refused.error.contains("line 3: missing_field: 'tenant' is required"), "\(refused.error)")
        #expect(!refused.error.contains("line 1:") && !refused.error.contains("line 4:"))
        #expect(refused.error.contains("nothing sent"))
        let nothing = try tail(["--from-beginning", "--timeout", "3"])
        #expect(nothing.status == 0, "\(nothing.error)")
        #expect(nothing.output.isEmpty, "\(nothing.output)")

        // The same reader finds what --skip-invalid sends: the lines other than line 3.
        let skipping = try RouteLedgerTool.run(arguments + ["--skip-invalid"])
        #expect(skipping.status == 1)
        #expect(skipping.error.contains("line 3:") && skipping.error.contains("3 sent to \(topic), 1 refused"), "\(skipping.error)")
        let sent = try records(try tail(["--from-beginning", "--timeout", "3"]).output)
        #expect(Set(sent.compactMap { ($0["value"] as? [String: Any])?["id"] as? String }) == ["q0", "q1", "q3"])
    }

    @Test func tailInAGroupCommitsWhatItPrintedSoTheNextTailGoesOn() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for index in 0..<6 { try producer.send(topic: topic, key: Data("k".utf8), value: Data("record \(index)".utf8)) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
        let group = TestKafkaBroker.uniqueName("tail")
        // The run configuration's consumer properties reach tail: a short session, since the
        // embedded broker makes a group that had a member wait a session before the next joins.
        let configuration = directory.appendingPathComponent("routeledger.json")
        try Data("""
            {"kafka": {"bootstrap_servers": "\(broker.bootstrapServers)", "consumer_properties": {"session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"}},
             "models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                        {"name": "weak", "input_per_million": "0.5", "output_per_million": "1.5"}],
             "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
             "memory": "\(directory.appendingPathComponent("memory").path)"}
            """.utf8).write(to: configuration)
        let inGroup = ["tail", "--topic", topic, "--config", configuration.path, "--format", "raw", "--group", group, "--from-beginning"]

        let first = try records(try RouteLedgerTool.run(inGroup + ["--count", "4", "--timeout", "10"]).output)
        let second = try records(try RouteLedgerTool.run(inGroup + ["--timeout", "3"]).output)
        // One key, so one partition, in order; a value that is not JSON comes back as a string.
        #expect(first.compactMap { $0["value"] as? String } == (0..<4).map { "record \($0)" })
        #expect(second.compactMap { $0["value"] as? String } == ["record 4", "record 5"])
    }

    @Test func badFlagsAreUsageErrorsNamingTheFlag() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let servers = ["--bootstrap-servers", broker.bootstrapServers]
        let cases: [(arguments: [String], named: String)] = [
            (["produce", "--topic", topic], "--bootstrap-servers"),
            (["produce", "--topic", topic, "--config", "x.json"] + servers, "--config"),
            (["produce"] + servers, "--topic"),
            (["produce", "--topic", "llm/queries"] + servers, "--topic"),
            (["produce", "--topic", topic, "--key", "tenant::id"] + servers, "--key"),
            (["produce", "--topic", topic, "--raw=yes"] + servers, "--raw"),
            (["tail", "--topic", topic, "--count", "0"] + servers, "--count"),
            (["tail", "--topic", topic, "--format", "json"] + servers, "--format"),
            (["tail", "--topic", topic, "--timeout", "soon"] + servers, "--timeout"),
            (["tail", "--topic", topic, "--follow"] + servers, "--follow"),
        ]
        for (arguments, named) in cases {
            let result = try RouteLedgerTool.run(arguments)
            #expect(result.status == 2, "\(arguments): status \(result.status)")
            #expect(result.error.contains(named), "\(arguments): \(result.error)")
        }
    }
}
