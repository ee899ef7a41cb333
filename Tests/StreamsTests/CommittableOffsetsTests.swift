import Foundation
import Streams
import Testing

@Suite struct CommittableOffsetsTests {
    private static let votes = TopicPartition(topic: "votes", partition: 0)
    private static let queries = TopicPartition(topic: "queries", partition: 2)

    @Test func storesPastWhatWasReadButNotPastAHeldRecord() {
        var offsets = CommittableOffsets(stored: [Self.votes: 10])
        for offset in 10...14 { offsets.read(RecordPosition(Self.votes, offset: Int64(offset))) }
        offsets.read(RecordPosition(Self.queries, offset: 0))
        // The record at 12 is held: a restart must read it again.
        let next = offsets.next { $0 == Self.votes ? 12 : nil }
        #expect(next == [RecordPosition(Self.queries, offset: 1), RecordPosition(Self.votes, offset: 12)])
        offsets.stored(next)
        #expect(!offsets.isNew(RecordPosition(Self.votes, offset: 11)) && offsets.isNew(RecordPosition(Self.votes, offset: 12)))
        // Nothing new to store while the record is still held.
        #expect(offsets.next { $0 == Self.votes ? 12 : nil }.isEmpty)
        #expect(offsets.next { _ in nil } == [RecordPosition(Self.votes, offset: 15)])
    }

    @Test func anOffsetNeverMovesBack() {
        var offsets = CommittableOffsets(stored: [Self.votes: 100])
        // Read again from before the stored offset (another member got there first).
        offsets.read(RecordPosition(Self.votes, offset: 40))
        #expect(offsets.next { _ in nil }.isEmpty)
        offsets.stored([RecordPosition(Self.votes, offset: 41)])
        #expect(offsets.stored[Self.votes] == 100)
        #expect(!offsets.isNew(RecordPosition(Self.votes, offset: 99)))
    }

    @Test func partitionsGivenAwayAreForgotten() {
        var offsets = CommittableOffsets(stored: [:])
        offsets.read(RecordPosition(Self.votes, offset: 3))
        offsets.read(RecordPosition(Self.queries, offset: 7))
        offsets.keepOnly([Self.queries])
        #expect(offsets.next { _ in nil } == [RecordPosition(Self.queries, offset: 8)])
    }

    @Test func aPositionRoundTripsThroughJSONAsTopicPartitionAndOffset() throws {
        let position = RecordPosition(topic: "llm.queries", partition: 3, offset: 42)
        let json = try JSONEncoder().encode(position)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["topic"] as? String == "llm.queries" && object["partition"] as? Int == 3 && object["offset"] as? Int == 42)
        #expect(try JSONDecoder().decode(RecordPosition.self, from: json) == position)
    }
}
