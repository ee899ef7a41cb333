import Embeddings
import Foundation
import Ranking
import Streams

/// A record read from Kafka.
public struct InputRecord: Sendable {
    public let source: RecordPosition
    public let key: Data?
    public let value: Data

    public init(source: RecordPosition, key: Data?, value: Data) {
        self.source = source
        self.key = key
        self.value = value
    }
}

/// A record to produce.
public struct OutputRecord: Sendable, Equatable {
    public let topic: String
    public let key: Data?
    public let value: Data
}

/// What one batch turned into: the records to produce, in input order, and what was decided.
public struct RouteBatchResult: Sendable {
    public var records: [OutputRecord] = []
    public var decisions: [RoutingDecision] = []
    public var rejections: [EventRejection.Kind: Int] = [:]
    /// Prompts embedded for the batch, and the time that took.
    public var embeddedTexts = 0
    public var embeddingTime = Duration.zero
    public var rankingTime = Duration.zero
    /// The vectors of the queries decided, one row each, and each one's strong-up-to under the
    /// snapshot (every candidate allowed): the route stage's live traffic.
    public var queries = FloatMatrix(rows: 0, columns: 0, values: [])
    public var strongUpTo: [Double] = []
}

/// The route stage's work on one micro-batch, apart from Kafka, in three steps: parse and check
/// every event, rank the batch (`RouteBatchRanker`: embed the prompts that came without a
/// vector in one call, rank every vector in one call), and decide. Every input yields either a
/// decision (on the model's topic and the decisions topic) or a dead-letter record, so
/// committing the batch's offsets loses nothing. The route stage runs the steps of consecutive
/// batches side by side; `process` runs them one after the other.
public final class RouteBatchProcessor {
    private let configuration: RouteLedgerConfiguration
    /// Embeds and ranks; the route stage hands it to its ranking thread.
    let ranker: RouteBatchRanker
    private let limits: QueryEvent.Limits
    private let knownModels: ModelNames
    /// What a batch is estimated at when the caller gives no prices.
    private let configuredPrices: [String: RoutePrice]
    private let workspace = RankingWorkspace()
    private let encoder = JSONEncoder()

    public init(configuration: RouteLedgerConfiguration, embedder: (any Embedder)?) {
        self.configuration = configuration
        ranker = RouteBatchRanker(embedder: embedder)
        limits = QueryEvent.Limits(maxPromptBytes: configuration.maxPromptBytes)
        knownModels = configuration.modelNames
        configuredPrices = RoutePrices(configuration: configuration).inEffect(at: Date())
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    /// Routes `batch` with `snapshot` at `threshold` (by default the router's own; a route stage
    /// gives its `ThresholdSource`'s), estimating costs at `prices` (by default the configured
    /// ones; a route stage gives its `RoutePrices` in effect at `now`). The queries of a tenant
    /// in `exhausted` go to the cheapest candidate they allow, or to the dead-letter topic, as
    /// its budget's policy says.
    public func process(_ batch: [InputRecord], with snapshot: RouterSnapshot, threshold: Double? = nil,
                        prices: [String: RoutePrice]? = nil, now: Date = Date(),
                        exhausted: [String: ExhaustedBudget] = [:]) -> RouteBatchResult {
        decide(ranker.rank(parse(batch, for: snapshot), workspace: workspace), threshold: threshold, prices: prices, now: now,
               exhausted: exhausted)
    }

    /// Parses every event of `batch` and checks it against `snapshot`, the router it will be
    /// routed with, and the vectors the events brought.
    func parse(_ batch: [InputRecord], for snapshot: RouterSnapshot) -> ParsedRouteBatch {
        let dimension = snapshot.ranker.memory.dimension
        var events: [Result<QueryEvent, EventRejection>] = []
        var vectors: [Result<[Float], EventRejection>?] = []
        events.reserveCapacity(batch.count)
        vectors.reserveCapacity(batch.count)
        for record in batch {
            do throws(EventRejection) {
                let event = try QueryEvent(bytes: record.value, limits: limits, knownModels: knownModels)
                if let allowed = event.allowedModels, !snapshot.candidates.contains(where: allowed.contains) {
                    throw EventRejection(.unknownModel, "none of the models in 'models' (\(allowed.joined(separator: ", "))) is routed to now "
                                         + "(candidates: \(snapshot.candidates.joined(separator: ", ")))")
                }
                events.append(.success(event))
                vectors.append(event.embedding.map { given in
                    Result { () throws(GivenEmbeddingError) in try checkedGivenEmbedding(given, dimension: dimension) }
                        .mapError { EventRejection(.badEmbedding, $0.description) }
                })
            } catch {
                events.append(.failure(error))
                vectors.append(nil)
            }
        }
        return ParsedRouteBatch(records: batch, snapshot: snapshot, events: events, vectors: vectors)
    }

    /// Decides every ranked event of `batch` at `threshold` (see `process`), in input order.
    func decide(_ batch: RankedRouteBatch, threshold: Double? = nil, prices: [String: RoutePrice]? = nil, now: Date = Date(),
                exhausted: [String: ExhaustedBudget] = [:]) -> RouteBatchResult {
        let snapshot = batch.parsed.snapshot
        let threshold = threshold ?? snapshot.threshold
        let prices = prices ?? configuredPrices
        var result = RouteBatchResult()
        result.embeddedTexts = batch.embeddedTexts
        result.embeddingTime = batch.embeddingTime
        result.rankingTime = batch.rankingTime
        var decidedVectors: [Float] = []
        let decidedAt = formatTimestamp(now)
        for (index, record) in batch.parsed.records.enumerated() {
            switch outcome(of: index, in: batch, exhausted: exhausted) {
            case .failure(let rejection):
                result.rejections[rejection.kind, default: 0] += 1
                let deadLetter = DeadLetterRecord(stage: "route", source: record.source, rejection: rejection, raw: record.value, at: now)
                result.records.append(OutputRecord(topic: configuration.topics.deadLetter, key: record.key, value: encode(deadLetter)))
            case .success(let (event, vector, ratings)):
                // At its budget a tenant gets the cheapest model it allows, whatever the router says.
                let allowed = exhausted[event.tenant] == nil ? event.allowedModels
                    : [snapshot.candidates.first { event.allowedModels?.contains($0) ?? true }!]
                let decision = decide(event, allowing: allowed, ratings: ratings, snapshot: snapshot, threshold: threshold,
                                      prices: prices, source: record.source, decidedAt: decidedAt)
                let decisionJSON = encode(decision)
                result.decisions.append(decision)
                result.records.append(OutputRecord(topic: configuration.topics.route(for: decision.model), key: record.key,
                                                   value: event.enriched(with: decisionJSON)))
                result.records.append(OutputRecord(topic: configuration.topics.decisions, key: record.key, value: decisionJSON))
                decidedVectors += vector
                result.strongUpTo.append(snapshot.strongUpTo(ratings))
            }
        }
        result.queries = FloatMatrix(rows: result.strongUpTo.count, columns: snapshot.ranker.memory.dimension, values: decidedVectors)
        return result
    }

    /// What record `index` of `batch` comes to: its event with its vector and ratings, or the
    /// first reason to refuse it — unreadable, then its tenant's budget spent with the
    /// dead-letter policy, then no usable vector.
    private func outcome(of index: Int, in batch: RankedRouteBatch, exhausted: [String: ExhaustedBudget])
        -> Result<(QueryEvent, [Float], TierRatings), EventRejection> {
        batch.parsed.events[index].flatMap { event in
            if let budget = exhausted[event.tenant], budget.policy == .deadletter {
                return .failure(EventRejection(.budgetExhausted, budget.reason))
            }
            guard let vector = batch.parsed.vectors[index] else {
                preconditionFailure("the ranker gives every parsed event a vector or a rejection")
            }
            return vector.map { (event, $0, batch.ratings[index]!) }
        }
    }

    private func decide(_ event: QueryEvent, allowing allowed: [String]?, ratings: TierRatings, snapshot: RouterSnapshot,
                        threshold: Double, prices: [String: RoutePrice], source: RecordPosition, decidedAt: String) -> RoutingDecision {
        let (rule, names) = snapshot.rule(allowing: allowed, threshold: threshold)
        let choice = rule.choose(ratings)
        let model = names[choice.candidate]
        let reference = snapshot.candidates[snapshot.candidates.count - 1]
        let inputTokens = estimatedInputTokens(promptBytes: event.promptBytes)
        let outputTokens = event.maxOutputTokens ?? configuration.routing.estimatedOutputTokens
        let routing = configuration.routing
        let (price, referencePrice) = (prices[model]!, prices[reference]!)
        return RoutingDecision(
            decisionID: RoutingDecision.id(tenant: event.tenant, queryID: event.id, routerVersion: routing.routerVersion, model: model),
            queryID: event.id, tenant: event.tenant, model: model, referenceModel: reference,
            candidates: zip(names, choice.referenceWinRates).map { RoutingDecision.Candidate(model: $0, referenceWinRate: $1) },
            threshold: threshold, routerKind: RouterSnapshot.routerKind, routerVersion: routing.routerVersion,
            memoryBattles: snapshot.ranker.memory.count, ratingsVersion: snapshot.ratingsVersion,
            embedder: event.embedding == nil ? ranker.embedder?.identity.description ?? "given" : "given",
            estimatedInputTokens: inputTokens, estimatedOutputTokens: outputTokens,
            estimatedCostMicroUSD: price.tokenPrice.cost(inputTokens: inputTokens, outputTokens: outputTokens).microunits,
            referenceCostMicroUSD: referencePrice.tokenPrice.cost(inputTokens: inputTokens, outputTokens: outputTokens).microunits,
            priceID: price.priceID, referencePriceID: referencePrice.priceID,
            source: source, createdAt: formatTimestamp(event.createdAt), decidedAt: decidedAt,
            tags: event.tags.isEmpty ? nil : event.tags)
    }

    private func encode(_ value: some Encodable) -> Data {
        do {
            return try encoder.encode(value)
        } catch {
            preconditionFailure("encoding a decision record cannot fail: \(error)")
        }
    }
}

/// Input tokens are estimated at four bytes of prompt text a token (the usual rule of thumb for
/// English with GPT-style tokenizers); the ledger replaces estimates with the usage events'
/// actual counts. `eval --candidates` prices an evaluation set's queries with the same estimate.
public func estimatedInputTokens(promptBytes: Int) -> Int64 {
    Int64((promptBytes + 3) / 4)
}
