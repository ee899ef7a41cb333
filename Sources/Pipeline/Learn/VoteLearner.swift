import Embeddings
import Foundation
import Ledger
import Postgres
import Ranking
import Streams

/// What one batch of the learn stage turned into.
struct LearnBatchResult: Sendable {
    var deadLetters: [OutputRecord] = []
    /// Next offsets to read, as committed to the database with the batch.
    var offsets: [RecordPosition] = []
    var stored = 0
    var duplicates = 0
    var rejections: [EventRejection.Kind: Int] = [:]
    var queriesRecorded = 0
    var pending = 0
    var refit: RatingsVersion?
}

/// The learn stage's work on its input, apart from Kafka: records the prompts of routed
/// queries, turns votes into battles (embedding their prompts), takes an Elo step per new
/// battle between configured models, and commits all of it with the input offsets in one
/// PostgreSQL transaction that also announces the news to routers; then, in transactions of
/// its own, refits the ratings and tiers when due (`RefitSchedule`, `ConfiguredRefit`).
///
/// Votes naming a model outside the configuration are dead-lettered `unknown_model`, unless
/// `learning.accept_unknown_models`: then they are stored, but take no Elo step and enter no fit.
///
/// A vote that names only its query waits (without holding up the others) until the query's
/// prompt is recorded or `learning.query_wait_seconds` pass; the offsets stored for its
/// partition stay at the vote meanwhile, so a restart reads it again. What the database has
/// already accounted for is skipped (`isNew`), and a vote stored before counts as a duplicate.
final class VoteLearner {
    private struct Vote {
        let record: InputRecord
        let event: VoteEvent
        let since: Date
    }

    private let configuration: RouteLedgerConfiguration
    private let embedder: any Embedder
    private let connection: PostgresConnection
    private let counters: LearnCounters
    private let log: StageLog
    private let queryLimits: QueryEvent.Limits
    /// The configured names: a vote's models are turned into them as it is read.
    private let modelNames: ModelNames
    private let knownModels: Set<String>
    private let encoder = JSONEncoder()

    /// As stored in the database with the batches, and as read since.
    private(set) var offsets: CommittableOffsets
    private let offsetStore: ConsumerOffsetStore
    private var waiting: [Vote] = []
    private var lastWaitingLook = Date.distantPast
    private var online: OnlineRatings
    private(set) var version: RatingsVersion?
    private var schedule: RefitSchedule
    private let refitter: ConfiguredRefit
    private var lastRetention = Date.distantPast
    private var refitSeconds = 0.0

    /// How often votes that wait for their query look for it when no new input comes.
    static let waitingLookInterval: TimeInterval = 0.5
    /// How often prompts past their retention are deleted.
    static let retentionInterval: TimeInterval = 3_600

    /// Loads the learner's state from the database; refits at once when there are battles but
    /// no ratings version yet.
    init(configuration: RouteLedgerConfiguration, embedder: any Embedder, connection: PostgresConnection,
         counters: LearnCounters, log: StageLog) throws {
        self.configuration = configuration
        self.embedder = embedder
        self.connection = connection
        self.counters = counters
        self.log = log
        queryLimits = QueryEvent.Limits(maxPromptBytes: configuration.maxPromptBytes)
        modelNames = configuration.modelNames
        knownModels = Set(modelNames.configured)
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try BattleTable(connection).checkEmbedder(embedder.identity)
        offsetStore = ConsumerOffsetStore(group: configuration.learning.groupID, on: connection)
        offsets = CommittableOffsets(stored: try offsetStore.read())
        online = try OnlineRatings.load(k: configuration.learning.eloK, from: connection)
        let latest = try RatingsVersionTable(connection).latest()
        version = latest
        let configured = SQLArrayLiteral.of(knownModels.sorted())
        let unfitted = try connection.query("""
            SELECT count(*) AS unfitted FROM battles
            WHERE id > $1 AND retraction IS NULL AND model_a = ANY($2::text[]) AND model_b = ANY($2::text[])
            """, [.bigint(latest?.lastBattleID ?? 0), configured])[0].decode(Int.self, column: "unfitted")
        schedule = RefitSchedule(configuration.learning, battlesSinceRefit: unfitted, lastPublished: latest?.createdAt ?? .distantPast)
        refitter = ConfiguredRefit(configuration: configuration, connection: connection, embedder: embedder.identity)
        if let latest {
            counters.report(version: latest)
        } else if unfitted > 0, let first = try refit(.start, now: Date()) {
            reportRefit(first)
        }
        counters.report(online: online.ratings)
    }

    /// False for a record whose effects the database already has (read again after a crash).
    func isNew(_ source: RecordPosition) -> Bool {
        offsets.isNew(source)
    }

    /// Drops the waiting votes and offsets of partitions this member no longer owns: their new
    /// owner reads them again from the stored offsets.
    func keepOnly(_ owned: Set<TopicPartition>) {
        waiting.removeAll { !owned.contains($0.record.source.topicPartition) }
        offsets.keepOnly(owned)
    }

    /// Learns from one batch (which may be empty: waiting votes and scheduled refits move on
    /// without input). `deliver` must produce the dead letters durably; it runs before the
    /// database commit, so a crash in between repeats them rather than losing them. Returns nil
    /// when there was nothing to do.
    func process(_ batch: [InputRecord], now: Date = Date(), deliver: ([OutputRecord]) throws -> Void) throws -> LearnBatchResult? {
        let refitDue = schedule.due(at: now) != nil
        let lookAgain = !waiting.isEmpty && now.timeIntervalSince(lastWaitingLook) >= Self.waitingLookInterval
        guard !batch.isEmpty || refitDue || lookAgain else { return nil }
        try forgetOldPrompts(now: now)

        var result = LearnBatchResult()
        var rejected: [(InputRecord, EventRejection)] = []
        var prompts: [QueryPrompt] = []
        var votes = waiting
        for record in batch {
            offsets.read(record.source)
            if record.source.topic == configuration.topics.queries {
                if let prompt = routedPrompt(record) { prompts.append(prompt) }
                continue
            }
            do {
                let event = try VoteEvent(bytes: record.value, maxPromptBytes: configuration.maxPromptBytes, modelNames: modelNames)
                try Self.checkStorable(event)
                try checkConfigured(event)
                votes.append(Vote(record: record, event: event, since: now))
            } catch {
                rejected.append((record, error))
            }
        }

        // Prompts: the vote's own, or its query's (from this batch, else the database).
        lastWaitingLook = now
        var promptsOfQuery: [String: Set<String>] = [:]
        for prompt in prompts { promptsOfQuery[prompt.queryID, default: []].insert(prompt.prompt) }
        let lookedUp = try QueryPromptTable(connection: connection).prompts(
            forQueries: Set(votes.compactMap { $0.event.prompt == nil ? $0.event.queryID : nil }).subtracting(promptsOfQuery.keys))
        for (query, found) in lookedUp { promptsOfQuery[query, default: []].formUnion(found) }
        var ready: [(vote: Vote, prompt: String)] = []
        waiting = []
        for vote in votes {
            if let prompt = vote.event.prompt {
                ready.append((vote, prompt))
                continue
            }
            let query = vote.event.queryID ?? ""
            let found = promptsOfQuery[query] ?? []
            if found.count == 1 {
                ready.append((vote, found.first!))
            } else if found.count > 1 {
                rejected.append((vote.record, EventRejection(.ambiguousQuery,
                    "query '\(query)' was routed for \(found.count) tenants with different prompts; give the vote its prompt")))
            } else if now.timeIntervalSince(vote.since) >= configuration.learning.queryWaitSeconds {
                rejected.append((vote.record, EventRejection(.unknownQuery,
                    "no prompt is recorded for query '\(query)' (not routed here, not yet read after \(Int(configuration.learning.queryWaitSeconds)) s, or past its retention); give the vote its prompt")))
            } else {
                waiting.append(vote)
            }
        }

        var vectors: [String: [Float]] = [:]
        let texts = Array(Set(ready.map(\.prompt)))
        for (text, embedded) in zip(texts, embedEach(texts, with: embedder)) {
            if case .success(let vector) = embedded { vectors[text] = vector }
        }
        ready.removeAll { entry in
            guard vectors[entry.prompt] == nil else { return false }
            rejected.append((entry.vote.record, EventRejection(.embeddingFailed, "the prompt could not be embedded by \(embedder.identity)")))
            return true
        }
        ready.sort { $0.vote.record.source < $1.vote.record.source }

        for (record, rejection) in rejected {
            result.rejections[rejection.kind, default: 0] += 1
            let deadLetter = DeadLetterRecord(stage: "learn", source: record.source, rejection: rejection, raw: record.value, at: now)
            result.deadLetters.append(OutputRecord(topic: configuration.topics.deadLetter, key: record.key, value: try encoder.encode(deadLetter)))
        }
        if !result.deadLetters.isEmpty { try deliver(result.deadLetters) }

        // Past everything read, but not past a vote still waiting for its query.
        result.offsets = offsets.next { partition in
            waiting.lazy.map(\.record.source).filter { $0.topicPartition == partition }.map(\.offset).min()
        }
        let before = (online, schedule)
        do {
            try connection.transaction {
                try lock()
                try QueryPromptTable(connection: connection).record(prompts)
                result.queriesRecorded = prompts.count
                var lastBattleID: Int64?
                let table = BattleTable(connection)
                for (vote, prompt) in ready {
                    let event = vote.event
                    let battle = LabelledBattle(prompt: prompt, modelA: event.modelA, modelB: event.modelB, winner: event.winner,
                                                source: VoteOrigin.battleSource, foughtAt: event.castAt)
                    let origin = VoteOrigin(voteID: event.voteID, queryID: event.queryID, voter: event.voter, readFrom: vote.record.source,
                                            source: event.source)
                    guard let id = try table.insert(battle, vote: origin, embedding: vectors[prompt]!, embedder: embedder.identity) else {
                        result.duplicates += 1
                        continue
                    }
                    result.stored += 1
                    lastBattleID = id
                    // A battle of a model outside the configuration is kept, never fitted.
                    guard knownModels.contains(event.modelA) && knownModels.contains(event.modelB) else { continue }
                    schedule.stored(namingUnratedModel: version?.models[event.modelA] == nil || version?.models[event.modelB] == nil)
                    online.step(battleID: id, modelA: event.modelA, modelB: event.modelB, outcome: event.winner, version: version)
                }
                try online.save(to: connection)
                try offsetStore.store(result.offsets)
                if let lastBattleID {
                    try LearningAnnouncement(lastBattleID: lastBattleID, ratingsVersion: version?.id).send(on: connection)
                }
            }
        } catch {
            (online, schedule) = before
            throw error
        }
        offsets.stored(result.offsets)
        result.pending = waiting.count
        // The votes are committed; the refit runs apart, so it never holds up their transaction.
        if let reason = schedule.due(at: now) { result.refit = try refit(reason, now: now) }
        if let refit = result.refit {
            reportRefit(refit)
        } else if result.stored > 0 {
            counters.report(online: online.ratings)
        }
        return result
    }

    /// Refits in transactions of its own (`ConfiguredRefit`); returns the version published,
    /// nil when the fit was refused (counted and logged at error) or superseded. `reportRefit`
    /// tells of a published one.
    private func refit(_ reason: RatingsVersion.Reason, now: Date) throws -> RatingsVersion? {
        let started = ContinuousClock.now
        schedule.attempted(at: now)
        var anchored = online
        let outcome = try refitter.run(reason) { version in
            anchored.anchor(to: version)
            try anchored.save(to: connection)
        }
        refitSeconds = (ContinuousClock.now - started).seconds
        switch outcome {
        case .published(let published):
            online = anchored
            version = published
            schedule.published(at: now)
            return published
        case .refused(let tier, let battles):
            counters.refused(.routingPairCollapsed)
            let pair = configuration.routingPair
            log(.error, "ratings version refused: it puts the routing pair into one tier; routers keep \(version?.label ?? "no version")",
                ["reason": RatingsRefusal.routingPairCollapsed.rawValue, "strong": pair.strong, "weak": pair.weak, "tier": tier,
                 "battles": battles, "refit_reason": reason.rawValue])
            return nil
        case .superseded:
            version = try RatingsVersionTable(connection).latest()
            schedule.published(at: now)
            return nil
        }
    }

    private func reportRefit(_ refit: RatingsVersion) {
        counters.record(refit: refit, seconds: refitSeconds, online: online.ratings)
        log(.info, "refit", ["ratings_version": refit.label, "reason": refit.reason.rawValue, "battles": refit.battleCount,
                             "models": refit.models.count, "seconds": refitSeconds,
                             "kernel_sharpness": refit.kernelSharpness.map { KernelSharpness.fixed($0).description } ?? "configured"])
    }

    private func lock() throws {
        try LearningLock.take(on: connection)
    }

    /// The text a routed query was ranked by, if the query is one the route stage accepts and
    /// its fields can be stored (PostgreSQL text holds no U+0000).
    private func routedPrompt(_ record: InputRecord) -> QueryPrompt? {
        guard let query = try? QueryEvent(bytes: record.value, limits: queryLimits, knownModels: modelNames),
              ![query.id, query.tenant, query.routingText].contains(where: { $0.unicodeScalars.contains("\u{0}") })
        else { return nil }
        return QueryPrompt(queryID: query.id, tenant: query.tenant, prompt: query.routingText, createdAt: query.createdAt)
    }

    /// Votes name models of their sender's choosing: one outside the configuration could push the
    /// routing pair into one tier, make refits as large as the sender likes, and label metrics.
    private func checkConfigured(_ vote: VoteEvent) throws(EventRejection) {
        guard !configuration.learning.acceptUnknownModels,
              let unknown = [vote.modelA, vote.modelB].first(where: { !knownModels.contains($0) }) else { return }
        throw EventRejection(.unknownModel, "model '\(unknown)' is not configured")
    }

    private static func checkStorable(_ vote: VoteEvent) throws(EventRejection) {
        let fields = [("vote_id", vote.voteID), ("query_id", vote.queryID ?? ""), ("prompt", vote.prompt ?? ""),
                      ("model_a", vote.modelA), ("model_b", vote.modelB), ("voter", vote.voter), ("source", vote.source ?? "")]
        if let field = fields.first(where: { $0.1.unicodeScalars.contains("\u{0}") }) {
            throw EventRejection(.invalidField, "'\(field.0)' contains U+0000, which cannot be stored")
        }
    }

    private func forgetOldPrompts(now: Date) throws {
        guard now.timeIntervalSince(lastRetention) >= Self.retentionInterval else { return }
        lastRetention = now
        let forgotten = try QueryPromptTable(connection: connection).forget(olderThanHours: configuration.learning.queryRetentionHours)
        if forgotten > 0 { log(.info, "forgot routed prompts past their retention", ["prompts": forgotten]) }
    }
}
