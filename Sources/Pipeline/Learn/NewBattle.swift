import Foundation
import Ranking
import Streams

/// A battle to store in the battles table: from a vote (with its vote id, query and voter, and
/// where it was read) or from an import.
public struct NewBattle: Sendable, Equatable {
    public var prompt: String
    public var modelA: String
    public var modelB: String
    public var winner: BattleOutcome
    public var source: String
    /// When it was fought or the vote cast; nil when unknown.
    public var foughtAt: Date?
    public var voteID: String?
    public var queryID: String?
    public var voter: String?
    public var readFrom: RecordPosition?
    /// The vote's own `source` field, if it has one.
    public var sourceOfVote: String?

    public init(prompt: String, modelA: String, modelB: String, winner: BattleOutcome, source: String, foughtAt: Date?,
                voteID: String? = nil, queryID: String? = nil, voter: String? = nil, readFrom: RecordPosition? = nil,
                sourceOfVote: String? = nil) {
        self.prompt = prompt
        self.modelA = modelA
        self.modelB = modelB
        self.winner = winner
        self.source = source
        self.foughtAt = foughtAt
        self.voteID = voteID
        self.queryID = queryID
        self.voter = voter
        self.readFrom = readFrom
        self.sourceOfVote = sourceOfVote
    }

    /// The source recorded for battles that come from votes.
    public static let voteSource = "votes"
}
