import Foundation
import Ranking

/// A batch read and checked, ready to rank: every event parsed (or refused) against the router
/// it will be routed with, and the vectors the events brought checked. The route stage parses
/// on its own thread while the batch before is ranked.
struct ParsedRouteBatch: Sendable {
    let records: [InputRecord]
    /// The router the whole batch is ranked and decided with.
    let snapshot: RouterSnapshot
    /// Per record: its event, or why it was refused.
    let events: [Result<QueryEvent, EventRejection>]
    /// Per record with an event: its checked vector, its refusal, or nil for a prompt still to
    /// embed.
    var vectors: [Result<[Float], EventRejection>?]
}

/// A batch ranked: its prompts embedded and the tier ratings of every event with a usable vector.
struct RankedRouteBatch: Sendable {
    var parsed: ParsedRouteBatch
    /// Per record: the tier ratings of its vector, nil where it has none.
    var ratings: [TierRatings?]
    var embeddedTexts = 0
    var embeddingTime = Duration.zero
    var rankingTime = Duration.zero
}
