import Foundation

/// A request to route: schema `routeledger.query.v1` (see schemas/query.v1.json).
public struct QueryEvent: Sendable {
    public static let schema = "routeledger.query.v1"
    /// The field under which the enriched copy carries its decision.
    public static let decisionKey = "routeledger"

    public let id: String
    public let tenant: String
    public let createdAt: Date
    /// The text the router compares: `prompt`, or the last user message of `messages`.
    public let routingText: String
    /// UTF-8 bytes of all the prompt text, the basis of the input-token estimate.
    public let promptBytes: Int
    public let embedding: [Float]?
    public let maxOutputTokens: Int64?
    /// Models this tenant allows for this query, by their configured names; nil means every
    /// configured model.
    public let allowedModels: [String]?
    /// What the ledger books the query under besides its tenant (`EventBounds.tags`).
    public let tags: [String: String]
    /// The event as received: the copy on the model's topic is these bytes with the decision
    /// added under `routeledger`.
    public let raw: Data

    public struct Limits: Sendable {
        public var maxPromptBytes: Int
        public var maxOutputTokens: Int64

        public init(maxPromptBytes: Int = 262_144, maxOutputTokens: Int64 = 1_000_000) {
            self.maxPromptBytes = maxPromptBytes
            self.maxOutputTokens = maxOutputTokens
        }
    }

    /// Parses and validates one event. `knownModels` are the configured models: a `models`
    /// list naming any other is refused, and an alias stands for its model. Nil, where no
    /// configuration is at hand (a tool checking events before it sends them), accepts any
    /// model name.
    public init(bytes: Data, limits: Limits, knownModels: ModelNames?) throws(EventRejection) {
        let object = try JSONObject(bytes: bytes)
        let schema = try object.requiredString("schema", maxLength: 64)
        guard schema == Self.schema else {
            throw EventRejection(.wrongSchema, "schema '\(schema)' is not \(Self.schema)")
        }
        id = try object.requiredIdentifier("id")
        tenant = try object.requiredIdentifier("tenant")
        createdAt = try object.requiredTimestamp("created_at")

        let texts: [String]
        switch (object.has("prompt"), object.has("messages")) {
        case (true, true):
            throw EventRejection(.invalidField, "give 'prompt' or 'messages', not both")
        case (false, false):
            throw EventRejection(.missingField, "'prompt' or 'messages' is required")
        case (true, false):
            guard case .string(let prompt)? = object.fields["prompt"] else {
                throw EventRejection(.invalidField, "'prompt' must be a string")
            }
            texts = [prompt]
            routingText = prompt
        case (false, true):
            let messages = try Self.messages(object.fields["messages"])
            texts = messages.map(\.content)
            guard let lastUser = messages.last(where: { $0.role == "user" }) else {
                throw EventRejection(.invalidField, "'messages' has no message with role 'user'")
            }
            routingText = lastUser.content
        }
        promptBytes = texts.reduce(0) { $0 + $1.utf8.count }
        guard promptBytes <= limits.maxPromptBytes else {
            throw EventRejection(.promptTooLarge, "the prompt is \(promptBytes) bytes, the limit is \(limits.maxPromptBytes)")
        }
        guard routingText.contains(where: { !$0.isWhitespace }) else {
            throw EventRejection(.emptyPrompt, "the prompt is empty")
        }

        embedding = try object.optionalFloatArray("embedding")
        maxOutputTokens = try object.optionalInteger("max_output_tokens", range: 1...limits.maxOutputTokens)
        if let models = try object.optionalStringArray("models") {
            guard !models.isEmpty else { throw EventRejection(.invalidField, "'models' must not be empty") }
            if let knownModels {
                if let unknown = models.first(where: { knownModels.configuredName(of: $0) == nil }) {
                    throw EventRejection(.unknownModel, "model '\(unknown)' in 'models' is not configured")
                }
                allowedModels = models.map(knownModels.resolve)
            } else {
                allowedModels = models
            }
        } else {
            allowedModels = nil
        }
        tags = EventBounds.tags(fromMetadata: try object.optionalObject("metadata") ?? [:])
        // Present at all, even as null: the enriched copy would carry the key twice.
        guard object.fields[Self.decisionKey] == nil else {
            throw EventRejection(.invalidField, "'\(Self.decisionKey)' is reserved for the routing decision")
        }
        raw = bytes
    }

    private struct Message {
        let role: String
        let content: String
    }

    private static func messages(_ value: JSONValue?) throws(EventRejection) -> [Message] {
        guard case .array(let list)? = value, !list.isEmpty else {
            throw EventRejection(.invalidField, "'messages' must be a non-empty array")
        }
        var messages: [Message] = []
        for (index, item) in list.enumerated() {
            guard case .object(let message) = item, case .string(let role)? = message["role"],
                  case .string(let content)? = message["content"] else {
                throw EventRejection(.invalidField, "'messages[\(index)]' must be an object with string 'role' and 'content'")
            }
            messages.append(Message(role: role, content: content))
        }
        return messages
    }
}

extension QueryEvent {
    /// The event's own bytes with `"routeledger": decision` added as a last field, so every
    /// field the producer sent, `metadata` included, reaches the model's workers unchanged.
    public func enriched(with decisionJSON: Data) -> Data {
        guard let close = raw.lastIndex(of: UInt8(ascii: "}")) else { return raw }
        var output = Data(raw[raw.startIndex..<close])
        output.append(contentsOf: Array(",\"\(Self.decisionKey)\":".utf8))
        output.append(decisionJSON)
        output.append(UInt8(ascii: "}"))
        return output
    }
}
