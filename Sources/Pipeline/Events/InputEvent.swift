import Foundation

/// An event of any schema the stages read, parsed by the parser its `schema` field names: what
/// a tool that sends events into the pipeline checks before sending.
public enum InputEvent: Sendable {
    case query(QueryEvent)
    case usage(UsageEvent)
    case vote(VoteEvent)

    public static let schemas = [QueryEvent.schema, UsageEvent.schema, VoteEvent.schema]

    /// Parses `bytes` as the stage reading its schema would. `knownModels` and `limits` are the
    /// configuration's (see ``QueryEvent/init(bytes:limits:knownModels:)``).
    public init(bytes: Data, limits: QueryEvent.Limits, knownModels: ModelNames?) throws(EventRejection) {
        let schema = try JSONObject(bytes: bytes).requiredString("schema", maxLength: 64)
        switch schema {
        case QueryEvent.schema: self = .query(try QueryEvent(bytes: bytes, limits: limits, knownModels: knownModels))
        case UsageEvent.schema: self = .usage(try UsageEvent(bytes: bytes, modelNames: knownModels ?? []))
        case VoteEvent.schema: self = .vote(try VoteEvent(bytes: bytes, maxPromptBytes: limits.maxPromptBytes, modelNames: knownModels ?? []))
        default:
            throw EventRejection(.wrongSchema, "schema '\(schema)' is not one of \(Self.schemas.joined(separator: ", "))")
        }
    }
}
