import Foundation
import Ranking
import Testing
@testable import Pipeline

@Suite struct ConfigurationTests {
    private func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("routeledger-config-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    private var exampleFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ops/routeledger.example.json")
    }

    @Test func theExampleConfigurationLoads() throws {
        let configuration = try RouteLedgerConfiguration.load(file: exampleFile, environment: [:])
        #expect(configuration.routing.strong == "gpt-4-1106-preview")
        #expect(configuration.routing.cheaper == ["mixtral-8x7b-instruct-v0.1"])
        #expect(configuration.routing.threshold == .fixed(0.5))
        #expect(configuration.models.first?.price.outputPerMillion.microunits == 30_000_000)
        #expect(configuration.topics.route(for: "m") == "llm.route.m")
    }

    @Test func theEnvironmentOverridesTheFile() throws {
        let configuration = try RouteLedgerConfiguration.load(file: exampleFile, environment: [
            "KAFKA_BOOTSTRAP_SERVERS": "broker:9093",
            "ROUTELEDGER_STRONG_SHARE": "0.3",
            "ROUTELEDGER_EXACTLY_ONCE": "true",
            "ROUTELEDGER_KAFKA_SASL_PASSWORD": "hunter2",
        ])
        #expect(configuration.kafka.bootstrapServers == "broker:9093")
        #expect(configuration.exactlyOnce)
        #expect(configuration.kafka.properties["sasl.password"] == "hunter2")
        // A share from the environment replaces the file's fixed threshold.
        #expect(configuration.routing.threshold == .strongShare(0.3))
    }

    /// One error lists every problem, each with the setting's path.
    @Test func everyProblemIsListedAtOnce() throws {
        let file = try write("""
            {"kafka": {"group_id": 5, "bootstrap": "x"},
             "models": [{"name": "a", "input_per_million": "1.0000001", "output_per_million": "1"},
                        {"name": "b", "input_per_million": "1", "output_per_million": "2"},
                        {"name": "b", "input_per_million": "1", "output_per_million": "2"}],
             "routing": {"strong": "zzz", "weak": "b", "threshold": 1.5, "same_tier_rule": "odd"},
             "batch": {"max_events": 0},
             "ledger": {"batch_records": 0, "pairing_window_ms": -1, "pairing_max_records": "many"},
             "exactly_once": "yes"}
            """)
        do {
            _ = try RouteLedgerConfiguration.load(file: file, environment: ["ROUTELEDGER_BATCH_LINGER_MS": "soon"])
            Issue.record("an invalid configuration was accepted")
        } catch {
            let text = error.description
            for expected in ["kafka.group_id: expected a string", "kafka.bootstrap: unknown setting",
                             "models[0].input_per_million", "'b' is configured more than once",
                             "routing.strong: 'zzz' is not among", "routing.threshold: expected a number in 0.0...1.0",
                             "routing.same_tier_rule", "batch.max_events", "ledger.batch_records", "ledger.pairing_window_ms",
                             "ledger.pairing_max_records", "exactly_once: expected true or false",
                             "ROUTELEDGER_BATCH_LINGER_MS: expected a number", "memory: give the battle memory"] {
                #expect(text.contains(expected), "missing: \(expected)")
            }
        }
    }

    @Test func aFileThatIsNotJSONIsRefusedNamingIt() throws {
        let file = try write("{ not json")
        #expect(throws: ConfigurationError.self) {
            try RouteLedgerConfiguration.load(file: file, environment: [:])
        }
        #expect(throws: ConfigurationError.self) {
            try RouteLedgerConfiguration.load(file: URL(fileURLWithPath: "/nonexistent.json"), environment: [:])
        }
    }

    /// A valid configuration apart from what `edit` changes in its text.
    private func minimal(_ edit: (String) -> String = { $0 }) throws -> URL {
        try write(edit("""
            {"models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                        {"name": "weak", "input_per_million": "1", "output_per_million": "2"}],
             "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
             "memory": "/m"}
            """))
    }

    private func problems(_ file: URL) -> [String] {
        do {
            _ = try RouteLedgerConfiguration.load(file: file, environment: [:])
            return []
        } catch {
            return error.problems
        }
    }

    @Test func theMinimalConfigurationOfTheseTestsLoads() throws {
        #expect(problems(try minimal()) == [])
    }

    /// A model's optional price components are read into its price, and one that is no amount
    /// is refused naming it.
    @Test func aModelsPriceComponentsAreReadAndCheckedByName() throws {
        let components = #""output_per_million": "2", "cached_input_per_million": "0.5", "reasoning_per_million": "8", "per_request": "0.001""#
        let file = try minimal { $0.replacingOccurrences(of: #""output_per_million": "2""#, with: components) }
        let weak = try #require(try RouteLedgerConfiguration.load(file: file, environment: [:]).models.first { $0.name == "weak" })
        #expect(weak.price.cachedInputPerMillion?.microunits == 500_000 && weak.price.reasoningPerMillion?.microunits == 8_000_000
                && weak.price.perRequest.microunits == 1_000)
        let bad = try minimal { $0.replacingOccurrences(of: #""output_per_million": "2""#, with: #""output_per_million": "2", "per_request": "-1""#) }
        #expect(problems(bad).contains { $0.hasPrefix("models[1].per_request: prices are decimal strings of dollars") }, "\(problems(bad))")
    }

    /// `routing.kernel_sharpness` is RouteLLM's 1 unless given: a number in 0…64, or the word
    /// auto; anything else is refused naming the setting, and the environment's text is read by
    /// the same rule.
    @Test func theKernelSharpnessIsANumberUpTo64OrAutoAndNothingElse() throws {
        func sharpness(_ value: String?, environment: [String: String] = [:]) throws -> KernelSharpness {
            let file = try minimal { text in
                value.map { text.replacingOccurrences(of: #""threshold": 0.5}"#, with: #""threshold": 0.5, "kernel_sharpness": \#($0)}"#) }
                    ?? text
            }
            return try RouteLedgerConfiguration.load(file: file, environment: environment).routing.kernelSharpness
        }
        #expect(try sharpness(nil) == .fixed(1))
        #expect(try ["8", "0", "64"].map { try sharpness($0) } == [.fixed(8), .fixed(0), .fixed(64)])
        #expect(try sharpness("0.5") == .fixed(0.5))
        #expect(try sharpness(#""auto""#) == .auto)
        #expect(try sharpness("4", environment: ["ROUTELEDGER_KERNEL_SHARPNESS": "auto"]) == .auto)
        #expect(try sharpness(#""auto""#, environment: ["ROUTELEDGER_KERNEL_SHARPNESS": "2.5"]) == .fixed(2.5))
        for bad in ["64.5", "-1", #""sharp""#, #""4""#, "true", "[1]"] {
            let file = try minimal { $0.replacingOccurrences(of: #""threshold": 0.5}"#, with: #""threshold": 0.5, "kernel_sharpness": \#(bad)}"#) }
            let found = problems(file)
            #expect(found.count == 1 && found[0].hasPrefix("routing.kernel_sharpness: expected a number in 0.0...64.0 or \"auto\""),
                    "\(bad): \(found)")
        }
        let fromEnvironment = try minimal()
        do {
            _ = try RouteLedgerConfiguration.load(file: fromEnvironment, environment: ["ROUTELEDGER_KERNEL_SHARPNESS": "100"])
            Issue.record("a sharpness of 100 was accepted")
        } catch {
            #expect(error.problems.count == 1 && error.problems[0].hasPrefix("routing.kernel_sharpness: expected a number in 0.0...64.0")
                    && error.problems[0].contains("got 100"), "\(error.problems)")
        }
    }

    /// `embedder.precision`: float unless set, int8 from the file or the environment, and
    /// refused where there is no MiniLM to run at it or with a word it does not know.
    @Test func theEncoderPrecisionIsFloatOrInt8ForMiniLMOnly() throws {
        func file(_ embedder: String) throws -> URL {
            try minimal { $0.replacingOccurrences(of: #""memory": "/m""#, with: #""memory": "/m", "embedder": \#(embedder)"#) }
        }
        #expect(try RouteLedgerConfiguration.load(file: minimal(), environment: [:]).encoderPrecision == .float)
        #expect(try RouteLedgerConfiguration.load(file: file(#"{"precision": "int8"}"#), environment: [:]).encoderPrecision == .int8)
        let overridden = try RouteLedgerConfiguration.load(file: file(#"{"precision": "int8"}"#),
                                                           environment: ["ROUTELEDGER_EMBEDDER_PRECISION": "float"])
        #expect(overridden.encoderPrecision == .float)
        #expect(problems(try file(#"{"kind": "hashing", "precision": "int8"}"#))
                == ["embedder.precision: 'int8' applies to embedder.kind minilm only"])
        #expect(problems(try file(#"{"kind": "given", "precision": "int8"}"#))
                == ["embedder.precision: 'int8' applies to embedder.kind minilm only"])
        let unknown = problems(try file(#"{"precision": "int4"}"#))
        #expect(unknown.count == 1 && unknown[0].hasPrefix("embedder.precision: expected float or int8, got 'int4'"), "\(unknown)")
    }

    /// The live window and its minimum: 2,000 and 500 unless given; a minimum above the window
    /// (which never holds more) or a window of 0 is refused naming the setting.
    @Test func theLiveWindowAndItsMinimumAreReadAndCheckedByName() throws {
        func file(_ settings: String) throws -> URL {
            try minimal { $0.replacingOccurrences(of: #""threshold": 0.5}"#, with: #""threshold": 0.5, \#(settings)}"#) }
        }
        let defaults = try RouteLedgerConfiguration.load(file: try minimal(), environment: [:]).routing
        #expect(defaults.liveWindow == 2_000 && defaults.liveMinimum == 500 && defaults.strongShareDrift == 0.15)
        let given = try RouteLedgerConfiguration.load(file: try file(#""live_window": 300, "live_minimum": 300, "strong_share_drift": 0.1"#),
                                                      environment: [:]).routing
        #expect(given.liveWindow == 300 && given.liveMinimum == 300 && given.strongShareDrift == 0.1)
        #expect(problems(try file(#""live_window": 300, "live_minimum": 301"#))
                == ["routing.live_minimum: expected at most live_window (300): the window never holds more"])
        #expect(problems(try file(#""live_window": 0"#)).first?.hasPrefix("routing.live_window: expected an integer in 1...100000") == true)
    }

    /// Foundation's parser would keep one of the two thresholds; the file is refused instead,
    /// at the second key's line and column.
    @Test func aKeyGivenTwiceIsRefusedNamingItAndWhereItIs() throws {
        let file = try minimal { $0.replacingOccurrences(of: #""threshold": 0.5}"#, with: #""threshold": 0.5,"# + "\n" + #"   "threshold": 0.9}"#) }
        #expect(problems(file) == ["\(file.path), line 4, column 4: duplicate key 'threshold'"])
        let twiceAtTop = try minimal { $0.replacingOccurrences(of: #""memory": "/m"}"#, with: #""memory": "/m", "memory": "/n"}"#) }
        #expect(problems(twiceAtTop).first?.hasSuffix("line 4, column 18: duplicate key 'memory'") == true)
    }

    @Test func topicNamesKafkaWouldRefuseAreRefusedNamingTheSetting() throws {
        let file = try minimal { $0.replacingOccurrences(of: #""memory""#, with: #""topics": {"queries": "llm queries", "decisions": "..", "#
            + #""votes": "\#(String(repeating: "v", count: 250))", "usage": "ok.usage-1_x"}, "memory""#) }
        let found = problems(file)
        #expect(found.count == 3)
        #expect(found.contains { $0.hasPrefix("topics.queries: ") && $0.contains("'llm queries'") })
        #expect(found.contains { $0.hasPrefix("topics.decisions: ") })
        #expect(found.contains { $0.hasPrefix("topics.votes: ") && $0.contains("249") })
    }

    /// A decision goes to `llm.route.` + the model's name, escaped where Kafka does not allow its
    /// characters: `org/weak` has a topic of its own.
    @Test func aModelNameKafkaDoesNotAllowNamesItsTopicEscaped() throws {
        let file = try minimal { $0.replacingOccurrences(of: #": "weak""#, with: #": "org/weak""#) }
        let configuration = try RouteLedgerConfiguration.load(file: file, environment: [:])
        #expect(configuration.topics.route(for: "org/weak") == "llm.route.org_2fweak")
        #expect(configuration.allTopics.contains("llm.route.org_2fweak"))
    }

    /// Escaping leaves one way for a derived topic to be refused, its length; and a model's own
    /// `topic` must be a name Kafka accepts, and no other topic's. Each is refused, the model named.
    @Test func aModelWhoseTopicKafkaWouldRefuseIsRefusedNamingTheModel() throws {
        let long = String(repeating: "w", count: 240)
        let tooLong = try minimal { $0.replacingOccurrences(of: #": "weak""#, with: #": "\#(long)""#) }
        let found = problems(tooLong)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("models: '\(long)' cannot name a decision topic") == true)
        #expect(found.first?.contains("249") == true && found.first?.contains(#"shorter "topic""#) == true)

        let ownTopic = try minimal { $0.replacingOccurrences(of: #""output_per_million": "2"}"#,
                                                             with: #""output_per_million": "2", "topic": "weak answers"}"#) }
        #expect(problems(ownTopic).count == 1)
        #expect(problems(ownTopic).first?.hasPrefix("models: 'weak' cannot name a decision topic (its topic setting)") == true)

        let shared = try minimal { $0.replacingOccurrences(of: #""output_per_million": "2"}"#,
                                                           with: #""output_per_million": "2", "topic": "llm.decisions"}"#) }
        #expect(problems(shared) == ["models: the decision topic 'llm.decisions' of 'weak' (its topic setting) is already the topic of topics.decisions"])

        let renamed = try minimal { $0.replacingOccurrences(of: #""output_per_million": "2"}"#,
                                                            with: #""output_per_million": "2", "topic": "answers.weak"}"#) }
        #expect(try RouteLedgerConfiguration.load(file: renamed, environment: [:]).topics.route(for: "weak") == "answers.weak")
    }
}
