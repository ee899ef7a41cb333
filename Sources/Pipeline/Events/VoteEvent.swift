import Foundation
import Ranking

/// A user's preference between two answers: schema `routeledger.vote.v1` (schemas/vote.v1.json),
/// on the votes topic (default llm.votes). The learn stage stores it as a battle.
public struct VoteEvent: Sendable, Equatable {
    public static let schema = "routeledger.vote.v1"

    public let voteID: String
    /// The routed query the vote is about; its prompt can be taken from there.
    public let queryID: String?
    public let prompt: String?
    public let modelA: String
    public let modelB: String
    public let winner: BattleOutcome
    public let voter: String
    public let castAt: Date
    /// Where the vote comes from as its sender names it (an application, a feed); the battles
    /// of one source can be retracted together (`routeledger battles retract`).
    public let source: String?

    /// `modelNames` turns an alias into the configured name it stands for.
    public init(bytes: Data, maxPromptBytes: Int = 262_144, modelNames: ModelNames = []) throws(EventRejection) {
        let object = try JSONObject(bytes: bytes)
        let schema = try object.requiredString("schema", maxLength: 64)
        guard schema == Self.schema else {
            throw EventRejection(.wrongSchema, "schema '\(schema)' is not \(Self.schema)")
        }
        voteID = try object.requiredIdentifier("vote_id")
        queryID = try object.optionalIdentifier("query_id")
        let prompt = try object.optionalString("prompt")
        guard prompt != nil || queryID != nil else {
            throw EventRejection(.missingField, "'prompt' or 'query_id' is required")
        }
        if let prompt {
            guard prompt.utf8.count <= maxPromptBytes else {
                throw EventRejection(.promptTooLarge, "the prompt is \(prompt.utf8.count) bytes, the limit is \(maxPromptBytes)")
            }
            guard prompt.contains(where: { !$0.isWhitespace }) else { throw EventRejection(.emptyPrompt, "the prompt is empty") }
        }
        self.prompt = prompt
        modelA = modelNames.resolve(try object.requiredIdentifier("model_a"))
        modelB = modelNames.resolve(try object.requiredIdentifier("model_b"))
        guard modelA != modelB else {
            throw EventRejection(.invalidField, "'model_a' and 'model_b' must differ, both are '\(modelA)'")
        }
        let label = try object.requiredString("winner", maxLength: 32)
        guard let outcome = BattleOutcome(label: label) else {
            throw EventRejection(.invalidField, "'winner' must be model_a, model_b, tie or tie (bothbad), got '\(label)'")
        }
        winner = outcome
        voter = try object.requiredIdentifier("voter")
        castAt = try object.requiredTimestamp("cast_at")
        source = try object.optionalIdentifier("source")
    }
}
