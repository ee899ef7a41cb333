import Foundation
import Streams
import Testing
@testable import Pipeline

/// `models[].aliases`: another name of a configured model, which every model name that comes in
/// may use, and which can mean one model only.
@Suite struct ModelNamesTests {
    private func load(_ models: String, routing: String = #""strong": "strong", "weak": "weak""#) throws(ConfigurationError) -> RouteLedgerConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("routeledger-aliases-\(UUID().uuidString).json")
        try? Data(#"{"models": [\#(models)], "routing": {\#(routing)}, "memory": "/m"}"#.utf8).write(to: url)
        return try RouteLedgerConfiguration.load(file: url, environment: [:])
    }

    private let models = #"""
        {"name": "strong", "input_per_million": "10", "output_per_million": "30", "aliases": ["openai/strong", "strong-latest"]},
        {"name": "weak", "input_per_million": "1", "output_per_million": "2", "aliases": ["org/Weak"]}
        """#

    private func problems(_ models: String) -> [String] {
        do {
            _ = try load(models)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func anAliasStandsForItsModel() throws {
        let names = try load(models).modelNames
        #expect(names.configuredName(of: "openai/strong") == "strong" && names.configuredName(of: "strong-latest") == "strong")
        #expect(names.configuredName(of: "weak") == "weak" && names.configuredName(of: "org/Weak") == "weak")
        #expect(names.configuredName(of: "org/weak") == nil)
        #expect(names.resolve("other") == "other")
    }

    @Test func theRoutingModelsMayBeNamedByAnAlias() throws {
        let configuration = try load(models, routing: #""strong": "openai/strong", "cheaper": ["org/Weak"]"#)
        #expect(configuration.routing.strong == "strong" && configuration.routing.cheaper == ["weak"])
    }

    @Test func anAliasThatIsAlreadyAModelsNameOrAliasIsRefusedNamingTheSetting() {
        let strong = #"{"name": "strong", "input_per_million": "10", "output_per_million": "30", "aliases": ["s"]}"#
        #expect(problems(strong + #", {"name": "weak", "input_per_million": "1", "output_per_million": "2", "aliases": ["strong"]}"#)
                == ["models[1].aliases: 'strong' is already the name of 'strong'"])
        #expect(problems(strong + #", {"name": "weak", "input_per_million": "1", "output_per_million": "2", "aliases": ["s"]}"#)
                == ["models[1].aliases: 's' is already an alias of 'strong'"])
        #expect(problems(strong + #", {"name": "s", "input_per_million": "1", "output_per_million": "2"}"#).contains(
            "models[1].name: 's' is already an alias of 'strong'"))
        #expect(problems(#"{"name": "strong", "input_per_million": "10", "output_per_million": "30", "aliases": [""]}"#
                         + #", {"name": "weak", "input_per_million": "1", "output_per_million": "2"}"#)
                == ["models[0].aliases: an alias cannot be empty"])
    }

    @Test func eventsNamingAnAliasCarryTheConfiguredName() throws {
        let names = try load(models).modelNames
        let query = try QueryEvent(bytes: Data(#"{"schema":"routeledger.query.v1","id":"q1","tenant":"t","created_at":"2026-12-01T10:00:00Z","prompt":"hi","models":["org/Weak","strong"]}"#.utf8),
                                   limits: .init(), knownModels: names)
        #expect(query.allowedModels == ["weak", "strong"])

        let usage = Data(#"{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"t","model":"openai/strong","input_tokens":3,"output_tokens":4,"completed_at":"2026-12-01T10:00:01Z"}"#.utf8)
        #expect(try LedgerRecords.usage(usage, position: RecordPosition(topic: "u", partition: 0, offset: 0), modelNames: names).model == "strong")

        let vote = #"{"schema":"routeledger.vote.v1","vote_id":"v1","prompt":"hi","model_a":"org/Weak","model_b":"MODEL","winner":"model_a","voter":"u","cast_at":"2026-12-01T10:00:02Z"}"#
        let parsed = try VoteEvent(bytes: Data(vote.replacingOccurrences(of: "MODEL", with: "strong-latest").utf8), modelNames: names)
        #expect(parsed.modelA == "weak" && parsed.modelB == "strong")
        // A model and its alias are one model: no battle.
        #expect(throws: EventRejection.self) {
            try VoteEvent(bytes: Data(vote.replacingOccurrences(of: "MODEL", with: "weak").utf8), modelNames: names)
        }
    }
}
