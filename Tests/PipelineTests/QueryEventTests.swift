import Foundation
import Streams
import Testing
@testable import Pipeline

@Suite struct QueryEventTests {
    private let limits = QueryEvent.Limits(maxPromptBytes: 1_000)
    private let models: ModelNames = ["strong", "weak"]

    private func parse(_ json: String) throws(EventRejection) -> QueryEvent {
        try QueryEvent(bytes: Data(json.utf8), limits: limits, knownModels: models)
    }

    private let valid = #"{"schema":"routeledger.query.v1","id":"q1","tenant":"acme","created_at":"2026-11-24T10:00:00Z","prompt":"Prove that 17 is prime.","max_output_tokens":300,"models":["weak","strong"],"metadata":{"k":[1,2]}}"#

    @Test func acceptsAWellFormedQuery() throws {
        let event = try parse(valid)
        #expect(event.id == "q1" && event.tenant == "acme")
        #expect(event.routingText == "Prove that 17 is prime.")
        #expect(event.maxOutputTokens == 300)
        #expect(event.allowedModels == ["weak", "strong"])
        #expect(event.createdAt == Date(timeIntervalSince1970: 1_795_514_400))
    }

    /// Tags are the metadata's string values under tag keys, the first 16 keys in order; the
    /// rest of the metadata is no tag but still passes through.
    @Test func theMetadatasBoundedStringEntriesAreTheTags() throws {
        let prefix = #"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","metadata":"#
        let event = try parse(prefix + #"{"team":"search","cost:centre":"cc-7","n":3,"nested":{"a":"b"},"bad key":"v","empty":"","#
                              + #""ctl":"a\u0001b",""# + String(repeating: "k", count: 65) + #"":"too long a key"}}"#)
        #expect(event.tags == ["team": "search", "cost:centre": "cc-7"])
        let many = try parse(prefix + "{" + (10..<30).map { "\"k\($0)\":\"v\($0)\"" }.joined(separator: ",") + "}}")
        #expect(many.tags == Dictionary(uniqueKeysWithValues: (10..<26).map { ("k\($0)", "v\($0)") }))
        #expect(try parse(valid).tags.isEmpty)
    }

    @Test func routesAChatOnItsLastUserMessage() throws {
        let event = try parse(#"{"schema":"routeledger.query.v1","id":"q2","tenant":"t","created_at":"2026-11-24T10:00:00.250Z","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"write a haiku"}],"embedding":[0.5,-1,2e-3]}"#)
        #expect(event.routingText == "write a haiku")
        #expect(event.promptBytes == 2 + 5 + 13)
        #expect(event.embedding == [0.5, -1, 0.002])
    }

    /// Every defect gets its own kind and a message naming the field.
    @Test(arguments: [
        (#"{"schema":"routeledger.query.v1","id":"q","#, EventRejection.Kind.malformedJSON),
        (#"[1,2]"#, .malformedJSON),
        (#"{"schema":"routeledger.query.v2","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x"}"#, .wrongSchema),
        (#"{"id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x"}"#, .missingField),
        (#"{"schema":"routeledger.query.v1","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x"}"#, .missingField),
        (#"{"schema":"routeledger.query.v1","id":7,"tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x"}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"yesterday","prompt":"x"}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z"}"#, .missingField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":" \n\t"}"#, .emptyPrompt),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","messages":[]}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","messages":[{"role":"system","content":"x"}]}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","embedding":[1,"a"]}"#, .badEmbedding),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","embedding":[1e300]}"#, .badEmbedding),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","embedding":[true]}"#, .badEmbedding),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","models":["gpt-9"]}"#, .unknownModel),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","models":[]}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","max_output_tokens":1.5}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","max_output_tokens":0}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","max_output_tokens":true}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","metadata":[]}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","routeledger":{}}"#, .invalidField),
        // Reserved even as null: the routed copy would carry the key twice.
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x","routeledger":null}"#, .invalidField),
        // What the router accepts the ledger must record: no U+0000 in an identifier.
        (#"{"schema":"routeledger.query.v1","id":"q\u0000","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"x"}"#, .invalidField),
        (#"{"schema":"routeledger.query.v1","id":"q","tenant":"\u0000","created_at":"2026-11-24T10:00:00Z","prompt":"x"}"#, .invalidField),
    ])
    func refusesDefectsWithTheirKind(json: String, kind: EventRejection.Kind) {
        #expect(throws: EventRejection.self) { try parse(json) }
        do {
            _ = try parse(json)
        } catch {
            #expect(error.kind == kind, "\(error)")
        }
    }

    @Test func refusesInvalidUTF8AndOversizedPrompts() {
        var bytes = Data(valid.utf8)
        bytes[bytes.count - 20] = 0xFF
        #expect(throws: EventRejection(.invalidUTF8, "the event is not valid UTF-8")) {
            try QueryEvent(bytes: bytes, limits: limits, knownModels: models)
        }
        let huge = valid.replacingOccurrences(of: "Prove that 17 is prime.", with: String(repeating: "a", count: 1_001))
        do {
            _ = try parse(huge)
            Issue.record("an oversized prompt was accepted")
        } catch {
            #expect(error.kind == .promptTooLarge)
        }
    }

    /// The copy on the model's topic keeps every field and adds the decision.
    @Test func theEnrichedQueryKeepsItsFieldsAndCarriesTheDecision() throws {
        let event = try parse(valid + "\n")
        let enriched = event.enriched(with: Data(#"{"model":"weak"}"#.utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: enriched) as? [String: Any])
        #expect(object["id"] as? String == "q1")
        #expect((object["metadata"] as? [String: Any])?["k"] as? [Int] == [1, 2])
        #expect((object["routeledger"] as? [String: Any])?["model"] as? String == "weak")
    }
}

@Suite struct DecisionIdentityTests {
    /// FIPS 180-4 test vectors.
    @Test func sha256MatchesThePublishedVectors() {
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func theSameQueryRouterVersionAndModelGiveTheSameID() {
        let id = RoutingDecision.id(tenant: "acme", queryID: "q1", routerVersion: "sw-v1", model: "weak")
        #expect(id == RoutingDecision.id(tenant: "acme", queryID: "q1", routerVersion: "sw-v1", model: "weak"))
        #expect(id.count == 32)
        #expect(id != RoutingDecision.id(tenant: "acme", queryID: "q1", routerVersion: "sw-v2", model: "weak"))
        #expect(id != RoutingDecision.id(tenant: "acme2", queryID: "q1", routerVersion: "sw-v1", model: "weak"))
        // Another model for the same query is another decision.
        #expect(id != RoutingDecision.id(tenant: "acme", queryID: "q1", routerVersion: "sw-v1", model: "strong"))
        // Moving characters between fields must not collide.
        #expect(RoutingDecision.id(tenant: "a", queryID: "bc", routerVersion: "v", model: "m")
                != RoutingDecision.id(tenant: "ab", queryID: "c", routerVersion: "v", model: "m"))
        #expect(RoutingDecision.id(tenant: "a", queryID: "b", routerVersion: "vm", model: "x")
                != RoutingDecision.id(tenant: "a", queryID: "b", routerVersion: "v", model: "mx"))
    }

    @Test func aDeadLetterRecordCarriesTheReasonAndTheBytes() throws {
        let raw = Data([0xFF, 0x00, 0x41])
        let record = DeadLetterRecord(stage: "route", source: RecordPosition(topic: "llm.queries", partition: 2, offset: 41),
                                      rejection: EventRejection(.invalidUTF8, "the event is not valid UTF-8"), raw: raw, at: Date(timeIntervalSince1970: 0))
        let json = try JSONEncoder().encode(record)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["error_kind"] as? String == "invalid_utf8")
        #expect(object["schema"] as? String == "routeledger.deadletter.v1")
        #expect(Data(base64Encoded: object["raw_base64"] as? String ?? "") == raw)
        #expect(object["raw_bytes"] as? Int == 3)
        #expect(object["rejected_at"] as? String == "1970-01-01T00:00:00.000000Z")
    }

    /// A dead letter must fit on the topic even when its event nearly filled a message.
    @Test func aDeadLetterCarriesAtMostTheFirst64KiBOfItsEvent() {
        let raw = Data((0..<900_000).map { UInt8(truncatingIfNeeded: $0) })
        let record = DeadLetterRecord(stage: "route", source: RecordPosition(topic: "llm.queries", partition: 0, offset: 0),
                                      rejection: EventRejection(.promptTooLarge, "too large"), raw: raw, at: Date())
        #expect(Data(base64Encoded: record.rawBase64) == raw.prefix(65_536))
        #expect(record.rawBytes == 900_000)
    }
}
