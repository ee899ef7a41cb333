import Foundation
import Kafka
import Pipeline
import Testing
import TestSupport

/// Every malformed event of the corpus is refused with the reason its manifest names, by its
/// parser and, for queries, by the running route stage, which dead-letters it and still decides
/// every valid query around it.
@Suite struct BadInputCorpusTests {
    @Test func theCorpusHoldsAtLeastFiftyEventsOfEachType() {
        #expect(BadInputCorpus.entries.count >= 50)
        for event in [BadInputCorpus.EventType.query, .vote, .usage] {
            #expect(BadInputCorpus.entries.contains { $0.event == event })
        }
        #expect(Set(BadInputCorpus.entries.map(\.file)).count == BadInputCorpus.entries.count)
    }

    @Test(arguments: BadInputCorpus.entries)
    func theParserRefusesEachEventWithItsKind(entry: BadInputCorpus.Entry) throws {
        let expected = try #require(EventRejection.Kind(rawValue: entry.kind), "unknown kind in the manifest")
        let found = BadInputCorpus.rejection(parsing: try BadInputCorpus.bytes(of: entry), as: entry.event)
        switch entry.checkedBy {
        case .parser: #expect(found == expected)
        case .route: #expect(found == nil, "left to the route stage, but the parser refused it")
        }
    }

    /// A 1 MiB prompt, built here rather than stored, is refused as too large, not parsed.
    @Test func aOneMebibytePromptIsRefusedAsTooLarge() {
        let prompt = String(repeating: "lorem ipsum ", count: 1 << 20 / 12 + 1)
        let query = queryEvent(id: "huge", prompt: prompt, embedding: [1, 0, 0, 0])
        #expect(BadInputCorpus.rejection(parsing: query, as: .query) == .promptTooLarge)
        let vote = Data(#"{"schema":"routeledger.vote.v1","vote_id":"v1","prompt":"\#(prompt)","model_a":"strong","model_b":"weak","winner":"tie","voter":"u1","cast_at":"2026-11-24T10:00:00Z"}"#.utf8)
        #expect(BadInputCorpus.rejection(parsing: vote, as: .vote) == .promptTooLarge)
    }

    /// Found by ops/fuzz.sh: with the widest output limit, 9223372036854775807 became the Double
    /// 2^63, passed the range check and trapped when converted back to Int64.
    @Test func aTokenCountBeyondInt64IsRefusedWhateverTheLimit() throws {
        let entry = try #require(BadInputCorpus.entries.first { $0.file == "query/max-output-tokens-int64-max.json" })
        let widest = QueryEvent.Limits(maxPromptBytes: .max, maxOutputTokens: .max)
        #expect(BadInputCorpus.rejection(parsing: try BadInputCorpus.bytes(of: entry), as: .query, queryLimits: widest) == .invalidField)
    }

    /// The query corpus, each bad event after a valid one, through the route stage on the broker:
    /// one dead letter per bad event carrying its bytes and the expected kind, one decision per
    /// valid event.
    @Test func theRouteStageDeadLettersEveryBadQueryAndDecidesEveryGoodOne() throws {
        let harness = try RouteStageHarness(routing: twoTopicRouting())
        let badQueries = BadInputCorpus.entries.filter { $0.event == .query }
        var expectedKinds: [Data: String] = [:]
        var records: [(key: String, value: Data)] = []
        for (index, entry) in badQueries.enumerated() {
            let bad = try BadInputCorpus.bytes(of: entry)
            expectedKinds[bad] = entry.kind
            let key = "key-\(index % 7)"
            records.append((key, queryEvent(id: "good-\(index)", embedding: index % 2 == 0 ? [1, 0, 0, 0] : [0, 1, 0, 0])))
            records.append((key, bad))
        }
        try harness.send(records)

        var decisions: [KafkaMessage] = []
        var deadLetters: [KafkaMessage] = []
        try harness.whileRunning { _ in
            decisions = try harness.read(harness.configuration.topics.decisions, count: badQueries.count)
            deadLetters = try harness.read(harness.configuration.topics.deadLetter, count: badQueries.count)
        }
        let decided = try decisions.map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value).queryID }
        #expect(Set(decided) == Set(badQueries.indices.map { "good-\($0)" }))
        #expect(decided.count == badQueries.count)

        let letters = try deadLetters.map { try JSONDecoder().decode(DeadLetterRecord.self, from: $0.value) }
        #expect(letters.count == badQueries.count)
        var seen: Set<Data> = []
        for letter in letters {
            let raw = try #require(Data(base64Encoded: letter.rawBase64))
            #expect(letter.stage == "route")
            #expect(letter.errorKind == expectedKinds[raw], "\(letter.message)")
            seen.insert(raw)
        }
        #expect(seen == Set(expectedKinds.keys))
    }

    /// An 800 kB query fits in a Kafka message, but base64 makes it larger than one: its dead
    /// letter, once the whole event, could not be produced, and the stage retried that batch for
    /// ever, deciding nothing after it. The dead letter now carries the event's first 64 KiB.
    @Test func aQueryNearTheMessageSizeLimitIsDeadLetteredAndTheNextOneDecided() throws {
        let harness = try RouteStageHarness(routing: twoTopicRouting())
        let prompt = String(repeating: "lorem ipsum ", count: 800_000 / 12)
        let large = queryEvent(id: "large", prompt: prompt, embedding: [1, 0, 0, 0])
        try harness.send([("k", large), ("k", queryEvent(id: "after", embedding: [1, 0, 0, 0]))])
        var decisions: [KafkaMessage] = []
        var deadLetters: [KafkaMessage] = []
        try harness.whileRunning { _ in
            decisions = try harness.read(harness.configuration.topics.decisions, count: 1)
            deadLetters = try harness.read(harness.configuration.topics.deadLetter, count: 1)
        }
        #expect(try decisions.map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value).queryID } == ["after"])
        let letter = try #require(try deadLetters.first.map { try JSONDecoder().decode(DeadLetterRecord.self, from: $0.value) })
        #expect(letter.errorKind == "prompt_too_large")
        #expect(letter.rawBytes == large.count)
        #expect(Data(base64Encoded: letter.rawBase64) == large.prefix(DeadLetterRecord.maximumRawBytes))
    }
}
