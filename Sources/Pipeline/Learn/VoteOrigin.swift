import Streams

/// Where a battle learnt from a vote came from, kept beside it in the battles table: the vote's
/// id (a vote is stored once), its query and voter, the record it was read from, and the
/// vote's own `source` (what `battles retract --source` takes back). Imported battles have none.
public struct VoteOrigin: Sendable, Equatable {
    public var voteID: String
    public var queryID: String?
    public var voter: String
    public var readFrom: RecordPosition
    public var source: String?

    public init(voteID: String, queryID: String?, voter: String, readFrom: RecordPosition, source: String?) {
        self.voteID = voteID
        self.queryID = queryID
        self.voter = voter
        self.readFrom = readFrom
        self.source = source
    }

    /// The `source` of every battle learnt from a vote.
    public static let battleSource = "votes"
}
