import Foundation
import Ledger
import Streams
import Testing
@testable import Pipeline

/// Every bound a JSON Schema in schemas/ states on a field is the bound its parser applies:
/// read from the schema files, so a bound changed in one place and not the other fails here.
@Suite struct EventBoundsTests {
    /// A complete valid event per schema, and the parser that reads it.
    private struct Parsed {
        let file: String
        let event: [String: Any]
        let parse: (Data) throws -> Void
    }

    private static var parsers: [Parsed] { [
        Parsed(file: "query.v1.json",
               event: ["schema": "routeledger.query.v1", "id": "q", "tenant": "t", "created_at": "2026-11-24T10:00:00Z",
                       "prompt": "hello", "max_output_tokens": 10],
               parse: { _ = try QueryEvent(bytes: $0, limits: .init(), knownModels: []) }),
        Parsed(file: "usage.v1.json",
               event: ["schema": "routeledger.usage.v1", "query_id": "q", "tenant": "t", "model": "m", "decision_id": "d",
                       "input_tokens": 1, "output_tokens": 2, "completed_at": "2026-11-24T10:00:00Z"],
               parse: { _ = try UsageEvent(bytes: $0) }),
        Parsed(file: "vote.v1.json",
               event: ["schema": "routeledger.vote.v1", "vote_id": "v", "query_id": "q", "prompt": "p", "model_a": "a",
                       "model_b": "b", "winner": "tie", "voter": "u", "cast_at": "2026-11-24T10:00:00Z"],
               parse: { _ = try VoteEvent(bytes: $0) }),
        Parsed(file: "decision.v1.json",
               event: ["schema": "routeledger.decision.v1", "decision_id": "d", "query_id": "q", "tenant": "t", "model": "weak",
                       "reference_model": "strong", "candidates": [["model": "weak", "reference_win_rate": 0.4]],
                       "threshold": 0.5, "router_kind": "sw_ranking", "router_version": "v1", "memory_battles": 1,
                       "ratings_version": "r", "embedder": "e", "estimated_input_tokens": 1, "estimated_output_tokens": 1,
                       "estimated_cost_micro_usd": 0, "reference_cost_micro_usd": 0,
                       "source": ["topic": "q", "partition": 0, "offset": 0], "created_at": "2026-11-24T10:00:00Z",
                       "decided_at": "2026-11-24T10:00:01Z"],
               parse: { _ = try LedgerRecords.decision($0, position: RecordPosition(topic: "d", partition: 0, offset: 0)) }),
    ] }

    private static func properties(_ file: String) throws -> [String: [String: Any]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("schemas/\(file)"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(schema["properties"] as? [String: [String: Any]])
    }

    private static func accepts(_ parsed: Parsed, _ field: String, _ value: Any, with others: [String: Any] = [:]) -> Bool {
        var event = parsed.event.merging(others) { _, other in other }
        event[field] = value
        guard let bytes = try? JSONSerialization.data(withJSONObject: event) else { return false }
        return (try? parsed.parse(bytes)) != nil
    }

    @Test func theValidEventsAreAccepted() throws {
        for parsed in Self.parsers {
            #expect(throws: Never.self, "\(parsed.file)") { try parsed.parse(try JSONSerialization.data(withJSONObject: parsed.event)) }
        }
    }

    /// maxLength counts characters (code points), as JSON Schema does: the longest value of
    /// four-byte characters is accepted, one character more is refused.
    @Test func everyStatedLengthIsTheParsersInCharacters() throws {
        var checked = 0
        for parsed in Self.parsers {
            for (field, property) in try Self.properties(parsed.file) {
                guard let maximum = property["maxLength"] as? Int else { continue }
                #expect(Self.accepts(parsed, field, String(repeating: "𝄞", count: maximum)), "\(parsed.file) \(field)")
                #expect(!Self.accepts(parsed, field, String(repeating: "a", count: maximum + 1)), "\(parsed.file) \(field)")
                if (property["minLength"] as? Int) == 1 { #expect(!Self.accepts(parsed, field, ""), "\(parsed.file) \(field)") }
                checked += 1
            }
        }
        #expect(checked >= 16)
    }

    /// Fields whose pattern excludes control characters refuse U+0000 and U+001F.
    @Test func everyFieldThatExcludesControlCharactersRefusesThem() throws {
        var checked = 0
        for parsed in Self.parsers {
            for (field, property) in try Self.properties(parsed.file) where property["pattern"] as? String == #"^[^\u0000-\u001F\u007F]+$"# {
                for control in ["a\u{0}b", "a\u{1F}", "\u{7F}"] {
                    #expect(!Self.accepts(parsed, field, control), "\(parsed.file) \(field)")
                }
                #expect(Self.accepts(parsed, field, "tenant é/1"), "\(parsed.file) \(field)")
                checked += 1
            }
        }
        #expect(checked >= 16)
    }

    /// Token counts that are part of another count (a usage report's cached input and reasoning
    /// tokens), which the schema cannot bound by that count: it is set to the same value.
    private static let wholeOf = ["cached_input_tokens": "input_tokens", "reasoning_tokens": "output_tokens"]

    /// Token counts: the schema's maximum is accepted and one more refused.
    @Test func everyStatedTokenMaximumIsTheParsers() throws {
        var checked = 0
        for parsed in Self.parsers {
            for (field, property) in try Self.properties(parsed.file) where field.hasSuffix("_tokens") {
                let maximum = try #require(property["maximum"] as? Int64, "\(parsed.file) \(field) states no maximum")
                let whole: [String: Any] = Self.wholeOf[field].map { [$0: maximum] } ?? [:]
                #expect(Self.accepts(parsed, field, maximum, with: whole), "\(parsed.file) \(field)")
                #expect(!Self.accepts(parsed, field, maximum + 1, with: whole), "\(parsed.file) \(field)")
                checked += 1
            }
        }
        // Query: max_output_tokens; usage: input, output, cached input, reasoning; decision: two estimates.
        #expect(checked == 7)
    }
}
