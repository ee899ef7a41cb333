import Foundation
import Testing
@testable import Pipeline

/// The published JSON Schemas and the code must say the same thing.
@Suite struct SchemaFileTests {
    private func schema(_ name: String) throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("schemas/\(name)"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Dropping any field the schema calls required makes the parser refuse the event.
    @Test func everyRequiredQueryFieldIsEnforced() throws {
        let required = try #require(try schema("query.v1.json")["required"] as? [String])
        let complete: [String: Any] = ["schema": "routeledger.query.v1", "id": "q", "tenant": "t",
                                       "created_at": "2026-11-24T10:00:00Z", "prompt": "hello"]
        _ = try QueryEvent(bytes: JSONSerialization.data(withJSONObject: complete), limits: .init(), knownModels: [])
        for field in required {
            var event = complete
            event[field] = nil
            let bytes = try JSONSerialization.data(withJSONObject: event)
            #expect(throws: EventRejection.self, "\(field)") {
                try QueryEvent(bytes: bytes, limits: .init(), knownModels: [])
            }
        }
    }

    /// Dropping any required field of a usage report or a vote makes the parser refuse it.
    @Test func everyRequiredUsageAndVoteFieldIsEnforced() throws {
        let usage: [String: Any] = ["schema": "routeledger.usage.v1", "query_id": "q", "tenant": "t", "model": "m",
                                    "input_tokens": 1, "output_tokens": 2, "completed_at": "2026-11-24T10:00:00Z"]
        let vote: [String: Any] = ["schema": "routeledger.vote.v1", "vote_id": "v", "prompt": "p", "model_a": "a",
                                   "model_b": "b", "winner": "tie", "voter": "u", "cast_at": "2026-11-24T10:00:00Z"]
        _ = try UsageEvent(bytes: JSONSerialization.data(withJSONObject: usage))
        _ = try VoteEvent(bytes: JSONSerialization.data(withJSONObject: vote))
        for field in try #require(try schema("usage.v1.json")["required"] as? [String]) {
            var event = usage
            event[field] = nil
            let bytes = try JSONSerialization.data(withJSONObject: event)
            #expect(throws: EventRejection.self, "\(field)") { try UsageEvent(bytes: bytes) }
        }
        for field in try #require(try schema("vote.v1.json")["required"] as? [String]) {
            var event = vote
            event[field] = nil
            let bytes = try JSONSerialization.data(withJSONObject: event)
            #expect(throws: EventRejection.self, "\(field)") { try VoteEvent(bytes: bytes) }
        }
    }

    /// Every optional field of the usage schema is one the parser reads (a value of the wrong
    /// type is refused rather than ignored), and one with a stated default means that default
    /// when it is absent.
    @Test func everyOptionalUsageFieldIsReadAndItsDefaultIsTheParsers() throws {
        let file = try schema("usage.v1.json")
        let properties = try #require(file["properties"] as? [String: [String: Any]])
        let required = Set(try #require(file["required"] as? [String]))
        let minimal: [String: Any] = ["schema": "routeledger.usage.v1", "query_id": "q", "tenant": "t", "model": "m",
                                      "input_tokens": 5, "output_tokens": 5, "completed_at": "2026-11-24T10:00:00Z"]
        let absent = try UsageEvent(bytes: JSONSerialization.data(withJSONObject: minimal))
        var defaults = 0
        for (field, property) in properties where !required.contains(field) {
            var wrong = minimal
            wrong[field] = ["not": "a value"]
            let bytes = try JSONSerialization.data(withJSONObject: wrong)
            #expect(throws: EventRejection.self, "\(field)") { try UsageEvent(bytes: bytes) }
            if let value = property["default"] {
                var stated = minimal
                stated[field] = value
                #expect(try UsageEvent(bytes: JSONSerialization.data(withJSONObject: stated)) == absent, "\(field)")
                defaults += 1
            }
        }
        #expect(Set(properties.keys).subtracting(required) == ["decision_id", "cached_input_tokens", "reasoning_tokens"])
        #expect(defaults == 2)
    }

    /// The decision schema lists exactly the fields a decision encodes, all required but the
    /// tags, which a query without any leaves out, and the price rows, which a decision estimated
    /// at configured prices leaves out.
    @Test func theDecisionSchemaListsEveryEncodedField() throws {
        let file = try schema("decision.v1.json")
        let required = Set(try #require(file["required"] as? [String]))
        let properties = Set(try #require(file["properties"] as? [String: Any]).keys)
        let encoded = Set(RoutingDecision.CodingKeys.allCases.map(\.stringValue))
        #expect(properties == encoded)
        #expect(encoded.subtracting(required) == ["tags", "price_id", "reference_price_id"])
    }

    /// The threshold-change schema lists every field a change encodes, the target's two forms optional.
    @Test func theThresholdChangeSchemaListsEveryEncodedField() throws {
        let file = try schema("threshold.v1.json")
        let required = Set(try #require(file["required"] as? [String]))
        let properties = Set(try #require(file["properties"] as? [String: Any]).keys)
        let encoded = Set(ThresholdChange.CodingKeys.allCases.map(\.stringValue))
        #expect(properties == encoded)
        #expect(encoded.subtracting(required) == ["target_strong_share", "target_usd_per_hour"])
    }

    @Test func theDeadLetterSchemaListsEveryReason() throws {
        let properties = try #require(try schema("deadletter.v1.json")["properties"] as? [String: Any])
        let kinds = try #require((properties["error_kind"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(kinds) == Set(EventRejection.Kind.allCases.map(\.rawValue)))
    }
}
