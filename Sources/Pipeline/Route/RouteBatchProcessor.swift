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

/// The route stage's work on one micro-batch, apart from Kafka: parse and validate every event,
/// embed the prompts that came without a vector in one call, rank the whole batch in one call,
/// and decide. Every input yields either a decision (on the model's topic and the decisions
/// topic) or a dead-letter record, so committing the batch's offsets loses nothing.
public final class RouteBatchProcessor {
    private let configuration: RouteLedgerConfiguration
    /// Nil when every event must bring its own embedding (`embedder.kind: given`).
    private let embedder: (any Embedder)?
    private let limits: QueryEvent.Limits
    private let knownModels: ModelNames
    /// What a batch is estimated at when the caller gives no prices.
    private let configuredPrices: [String: RoutePrice]
    private let workspace = RankingWorkspace()
    private let encoder = JSONEncoder()

    public init(configuration: RouteLedgerConfiguration, embedder: (any Embedder)?) {
        self.configuration = configuration
        self.embedder = embedder
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
        let threshold = threshold ?? snapshot.threshold
        let prices = prices ?? configuredPrices
        var outcomes = [Result<QueryEvent, EventRejection>](repeating: .failure(EventRejection(.malformedJSON, "")), count: batch.count)
        for (index, record) in batch.enumerated() {
            do throws(EventRejection) {
                let event = try QueryEvent(bytes: record.value, limits: limits, knownModels: knownModels)
                if let allowed = event.allowedModels, !snapshot.candidates.contains(where: allowed.contains) {
                    throw EventRejection(.unknownModel, "none of the models in 'models' (\(allowed.joined(separator: ", "))) is routed to now "
                                         + "(candidates: \(snapshot.candidates.joined(separator: ", ")))")
                }
                if let budget = exhausted[event.tenant], budget.policy == .deadletter {
                    throw EventRejection(.budgetExhausted, budget.reason)
                }
                outcomes[index] = .success(event)
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        var result = RouteBatchResult()
        let clock = ContinuousClock()
        let embeddingStarted = clock.now
        let vectors = embeddings(for: &outcomes, dimension: snapshot.ranker.memory.dimension, embedded: &result.embeddedTexts)
        result.embeddingTime = clock.now - embeddingStarted

        let accepted = outcomes.indices.filter { vectors[$0] != nil }
        let queries = FloatMatrix(rows: accepted.count, columns: snapshot.ranker.memory.dimension,
                                  values: accepted.flatMap { vectors[$0]! })
        result.queries = queries
        let ratings: [TierRatings]
        let rankingStarted = clock.now
        do {
            ratings = try snapshot.ranker.rank(queries, workspace: workspace)
        } catch {
            // Vectors were checked above; a failure here is a defect in that check.
            preconditionFailure("a checked embedding was refused by the ranker: \(error)")
        }
        result.rankingTime = clock.now - rankingStarted
        result.strongUpTo = ratings.map(snapshot.strongUpTo)
        var ratingsOf: [Int: TierRatings] = [:]
        for (position, index) in accepted.enumerated() { ratingsOf[index] = ratings[position] }

        let decidedAt = formatTimestamp(now)
        for (index, record) in batch.enumerated() {
            switch outcomes[index] {
            case .failure(let rejection):
                result.rejections[rejection.kind, default: 0] += 1
                let deadLetter = DeadLetterRecord(stage: "route", source: record.source, rejection: rejection, raw: record.value, at: now)
                result.records.append(OutputRecord(topic: configuration.topics.deadLetter, key: record.key, value: encode(deadLetter)))
            case .success(let event):
                // At its budget a tenant gets the cheapest model it allows, whatever the router says.
                let allowed = exhausted[event.tenant] == nil ? event.allowedModels
                    : [snapshot.candidates.first { event.allowedModels?.contains($0) ?? true }!]
                let decision = decide(event, allowing: allowed, ratings: ratingsOf[index]!, snapshot: snapshot, threshold: threshold,
                                      prices: prices, source: record.source, decidedAt: decidedAt)
                let decisionJSON = encode(decision)
                result.decisions.append(decision)
                result.records.append(OutputRecord(topic: configuration.topics.route(for: decision.model), key: record.key,
                                                   value: event.enriched(with: decisionJSON)))
                result.records.append(OutputRecord(topic: configuration.topics.decisions, key: record.key, value: decisionJSON))
            }
        }
        return result
    }

    /// One unit vector per accepted event: its own (checked), or the embedder's. An event whose
    /// vector is unusable becomes a rejection.
    private func embeddings(for outcomes: inout [Result<QueryEvent, EventRejection>], dimension: Int, embedded: inout Int) -> [[Float]?] {
        var vectors = [[Float]?](repeating: nil, count: outcomes.count)
        var toEmbed: [Int] = []
        for index in outcomes.indices {
            guard case .success(let event) = outcomes[index] else { continue }
            guard let given = event.embedding else {
                toEmbed.append(index)
                continue
            }
            do {
                vectors[index] = try checkedGivenEmbedding(given, dimension: dimension)
            } catch {
                outcomes[index] = .failure(EventRejection(.badEmbedding, error.description))
            }
        }
        guard !toEmbed.isEmpty else { return vectors }
        guard let embedder else {
            for index in toEmbed {
                outcomes[index] = .failure(EventRejection(.embeddingFailed,
                    "the event has no 'embedding' and this router embeds nothing itself (embedder.kind is given)"))
            }
            return vectors
        }
        guard embedder.dimension == dimension else {
            for index in toEmbed {
                outcomes[index] = .failure(EventRejection(.embeddingFailed,
                    "the embedder gives \(embedder.dimension) dimensions, the battle memory has \(dimension)"))
            }
            return vectors
        }
        let texts = toEmbed.map { index -> String in
            guard case .success(let event) = outcomes[index] else { return "" }
            return event.routingText
        }
        embedded = texts.count
        for (index, embedding) in zip(toEmbed, embedEach(texts, with: embedder)) {
            switch embedding {
            case .success(let vector): vectors[index] = vector
            case .failure(let error): outcomes[index] = .failure(EventRejection(.embeddingFailed, "\(error)"))
            }
        }
        return vectors
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
            embedder: event.embedding == nil ? embedder?.identity.description ?? "given" : "given",
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
