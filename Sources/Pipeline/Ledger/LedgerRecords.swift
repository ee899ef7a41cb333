import Foundation
import Ledger
import Postgres
import Streams

/// The ledger stage's reading of its two topics: decision records (schema
/// `routeledger.decision.v1`, from the route stage) and usage reports (`routeledger.usage.v1`).
///
/// Model names are read through the configuration's `ModelNames`, so a report naming a model by
/// an alias is priced as the configured model, and a decision dead-lettered `unpriced_model` under
/// a name since made an alias is priced when retried.
public struct LedgerRecords {
    let decisionsTopic: String
    let modelNames: ModelNames

    /// What one record is to the ledger.
    enum Reading {
        case decision(LedgerDecision)
        case usage(UsageReport)
        case rejected(EventRejection)
    }

    func read(_ record: InputRecord) -> Reading {
        let position = RecordPosition(topic: record.source.topic, partition: record.source.partition, offset: record.source.offset)
        do throws(EventRejection) {
            if record.source.topic == decisionsTopic {
                return .decision(try Self.decision(record.value, position: position, modelNames: modelNames))
            }
            return .usage(try Self.usage(record.value, position: position, modelNames: modelNames))
        } catch {
            return .rejected(error)
        }
    }

    /// The fields of a decision record the ledger keeps; the strong win rate is the reference
    /// model's over the cheapest candidate, listed first.
    public static func decision(_ bytes: Data, position: RecordPosition, modelNames: ModelNames = []) throws(EventRejection) -> LedgerDecision {
        let object = try JSONObject(bytes: bytes)
        let schema = try object.requiredString("schema", maxLength: 64)
        guard schema == RoutingDecision.schema else {
            throw EventRejection(.wrongSchema, "schema '\(schema)' is not \(RoutingDecision.schema)")
        }
        guard let candidates = try object.optionalArray("candidates") else {
            throw EventRejection(.missingField, "'candidates' is required")
        }
        guard case .object(let cheapest)? = candidates.first, case .number(let winRate)? = cheapest["reference_win_rate"] else {
            throw EventRejection(.invalidField, "'candidates' must hold at least one object with a numeric 'reference_win_rate'")
        }
        let decisionID = try object.requiredIdentifier("decision_id")
        let queryID = try object.requiredIdentifier("query_id")
        let tenant = try object.requiredIdentifier("tenant")
        let decidedAt = PostgresTimestamp(try object.requiredTimestamp("decided_at"))
        let model = modelNames.resolve(try object.requiredIdentifier("model"))
        let reference = modelNames.resolve(try object.requiredIdentifier("reference_model"))
        let routerVersion = try object.requiredIdentifier("router_version")
        let threshold = try object.requiredNumber("threshold", range: 0...1)
        let inputTokens = try object.requiredInteger("estimated_input_tokens", range: EventBounds.tokens)
        let outputTokens = try object.requiredInteger("estimated_output_tokens", range: EventBounds.tokens)
        let requestedAt = object.has("created_at") ? PostgresTimestamp(try object.requiredTimestamp("created_at")) : nil
        let tags = try Self.tags(try object.optionalObject("tags") ?? [:])
        do {
            return try LedgerDecision(decisionID: decisionID, queryID: queryID, tenant: tenant, decidedAt: decidedAt, chosenModel: model,
                                      referenceModel: reference, routerVersion: routerVersion, threshold: threshold, strongWinRate: winRate,
                                      estimatedInputTokens: inputTokens, estimatedOutputTokens: outputTokens, position: position,
                                      requestedAt: requestedAt, tags: tags)
        } catch {
            throw EventRejection(.invalidField, error.description)
        }
    }

    /// A decision's tags, held to the bounds the route stage takes them by.
    private static func tags(_ object: [String: JSONValue]) throws(EventRejection) -> [String: String] {
        guard object.count <= EventBounds.maximumTags else {
            throw EventRejection(.invalidField, "'tags' has \(object.count) entries; the limit is \(EventBounds.maximumTags)")
        }
        var tags: [String: String] = [:]
        for (key, value) in object {
            guard EventBounds.isTagKey(key) else {
                throw EventRejection(.invalidField, "'tags' key '\(key.prefix(80))' is not 1 to 64 of A-Z a-z 0-9 _ . : -")
            }
            guard case .string(let text) = value, EventBounds.identifierProblem(text) == nil else {
                throw EventRejection(.invalidField, "'tags.\(key)' must be a string of 1 to 256 characters without control characters")
            }
            tags[key] = text
        }
        return tags
    }

    public static func usage(_ bytes: Data, position: RecordPosition, modelNames: ModelNames = []) throws(EventRejection) -> UsageReport {
        let event = try UsageEvent(bytes: bytes, modelNames: modelNames)
        do {
            return try UsageReport(tenant: event.tenant, queryID: event.queryID, decisionID: event.decisionID, model: event.model,
                                   tokens: event.tokens, completedAt: PostgresTimestamp(event.completedAt), position: position)
        } catch {
            throw EventRejection(.invalidField, error.description)
        }
    }
}

extension EventRejection.Kind {
    /// The dead-letter kind of a record the ledger refused while writing.
    public init(_ reason: LedgerRejection.Reason) {
        switch reason {
        case .unpricedModel: self = .unpricedModel
        case .usageMismatch: self = .usageMismatch
        case .duplicateUsage: self = .duplicateUsage
        case .refusedByDatabase: self = .refusedByDatabase
        case .noDecision: self = .noDecision
        case .duplicateQuery: self = .duplicateQuery
        case .supersededDecision: self = .supersededDecision
        }
    }
}
