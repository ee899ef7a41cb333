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

    /// The decision schema lists exactly the fields a decision encodes.
    @Test func theDecisionSchemaListsEveryEncodedField() throws {
        let required = Set(try #require(try schema("decision.v1.json")["required"] as? [String]))
        let encoded = Set(RoutingDecision.CodingKeys.allCases.map(\.stringValue))
        #expect(required == encoded)
    }

    @Test func theDeadLetterSchemaListsEveryReason() throws {
        let properties = try #require(try schema("deadletter.v1.json")["properties"] as? [String: Any])
        let kinds = try #require((properties["error_kind"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(kinds) == Set(EventRejection.Kind.allCases.map(\.rawValue)))
    }
}
