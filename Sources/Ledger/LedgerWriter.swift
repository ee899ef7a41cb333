import Postgres
import Streams

/// Writes batches of decisions and usage reports into the ledger: each batch, with the consumer
/// offsets that follow it, in one PostgreSQL transaction.
///
/// Exactly once: the rows of a batch and the offsets after it commit together or not at all,
/// and a batch's records at offsets already stored are skipped (another writer recorded them),
/// under a lock every writer takes. Decisions are priced at the prices in effect at their
/// decision time; a usage report is priced at its decision's price rows. A report that names a
/// decision of its own batch goes into the ledger with that decision, complete, in one insert
/// (the common case when the stage catches up, and the cheap one: no update); a later report
/// updates its decision's row; one that arrives before its decision waits in
/// `usage_awaiting_decision` and is recorded in the transaction that records the decision.
/// Rows go in through temporary tables filled with COPY, since row-level security rules out
/// COPY into the ledger itself.
public final class LedgerWriter {
    /// The stage's offsets, stored with each batch.
    public let offsetStore: ConsumerOffsetStore
    public var consumerGroup: String { offsetStore.group }
    private let connection: PostgresConnection
    private var prices: PriceBook
    /// How long a usage report waits in the holding table for its decision.
    private let usageWaitLimit: Duration
    private var lastExpiry: ContinuousClock.Instant?

    public init(connection: PostgresConnection, consumerGroup: String, usageWaitLimit: Duration = .seconds(604_800)) throws {
        self.connection = connection
        offsetStore = ConsumerOffsetStore(group: consumerGroup, on: connection)
        self.usageWaitLimit = usageWaitLimit
        prices = try PriceBook.load(from: connection)
    }

    /// Writes `batch` and its offsets in one transaction. `beforeCommit` receives the records
    /// refused while writing (to send them to the dead-letter topic); if it throws, nothing is
    /// committed.
    @discardableResult
    public func write(_ batch: LedgerBatch, beforeCommit: ([LedgerRejection]) throws -> Void = { _ in }) throws -> LedgerWriteSummary {
        try connection.transaction {
            try LedgerLock.acquire(on: connection)
            try connection.executeScript(Self.stagingTables)
            try prices.refresh(from: connection)
            var summary = LedgerWriteSummary()
            let stored = try offsetStore.read()
            func isNew(_ position: RecordPosition) -> Bool { position.offset >= stored[position.topicPartition] ?? 0 }
            let decisions = batch.decisions.filter { isNew($0.position) }
            let usage = batch.usage.filter { isNew($0.position) }
            summary.alreadyRecorded = batch.decisions.count - decisions.count + batch.usage.count - usage.count

            try record(decisions[...], usage[...], into: &summary)
            try expireWaitingUsage(into: &summary)
            try offsetStore.store(batch.nextOffsets)
            try beforeCommit(summary.rejections)
            return summary
        }
    }

    /// Records the decisions and reports under a savepoint. When the server refuses a value
    /// one of them carries (an index entry too large, a constraint), the savepoint is rolled
    /// back and each half is recorded on its own, down to the record that is refused: that
    /// one goes to the dead-letter topic with the server's error, and the rest of the batch is
    /// recorded. A refused record retried for ever would stop every partition behind it.
    private func record(_ decisions: ArraySlice<LedgerDecision>, _ usage: ArraySlice<UsageReport>,
                        into summary: inout LedgerWriteSummary, emptyingStagingFirst: Bool = false) throws {
        var part = LedgerWriteSummary()
        do {
            try connection.savepoint {
                if emptyingStagingFirst { try connection.executeScript(Self.emptyStagingTables) }
                let numbered = usage.enumerated().map { NumberedUsage(n: Int32($0.offset), report: $0.element) }
                let (heldCount, unpaired) = try recordDecisions(Array(decisions), pairingWith: numbered, into: &part)
                try recordUsage(unpaired, heldCount: heldCount, into: &part)
            }
        } catch let error as PostgresError where error.sqlState?.rejectsTheValues == true && !error.connectionLost {
            guard decisions.count + usage.count > 1 else {
                let position = decisions.first?.position ?? usage.first!.position
                summary.rejections.append(LedgerRejection(position: position, reason: .refusedByDatabase,
                                                          message: "PostgreSQL refused it: \(error)"))
                return
            }
            // Halves of the batch's records in order, decisions first: neither half is empty.
            let half = (decisions.count + usage.count) / 2
            let (firstDecisions, firstUsage) = (min(half, decisions.count), half - min(half, decisions.count))
            try record(decisions.prefix(firstDecisions), usage.prefix(firstUsage), into: &summary, emptyingStagingFirst: true)
            try record(decisions.dropFirst(firstDecisions), usage.dropFirst(firstUsage), into: &summary, emptyingStagingFirst: true)
            return
        }
        summary.add(part)
    }

    /// Takes the reports that have waited longer than `usageWaitLimit` out of the holding table,
    /// for the dead-letter topic: a report whose decision never comes would wait for ever, and a
    /// flood of them would fill the table. Looked for at most once a minute.
    private func expireWaitingUsage(into summary: inout LedgerWriteSummary) throws {
        let now = ContinuousClock.now
        if let lastExpiry, now - lastExpiry < min(usageWaitLimit, .seconds(60)) { return }
        lastExpiry = now
        let seconds = Double(usageWaitLimit.components.seconds)
        for row in try connection.query(Self.expireWaitingUsage, [.double(seconds)]) {
            let named = try row.decode(String?.self, column: "decision_id").map { "decision \($0)" }
                ?? "tenant '\(try row.decode(String.self, column: "tenant"))' query '\(try row.decode(String.self, column: "query_id"))'"
            summary.rejections.append(LedgerRejection(
                position: RecordPosition(topic: try row.decode(column: "usage_topic"), partition: try row.decode(column: "usage_partition"),
                                         offset: try row.decode(column: "usage_offset")),
                reason: .noDecision,
                message: "the usage report waited \(Int(seconds)) s (ledger.usage_wait_seconds) for its decision, \(named), which never came"))
        }
    }

    // MARK: - Decisions

    /// A usage report of the batch, numbered in batch order (reports waiting in the holding
    /// table are numbered after the batch's).
    private struct NumberedUsage {
        let n: Int32
        let report: UsageReport
    }

    /// Prices the decisions and appends the new ones to the ledger, each with its actual usage
    /// when a report of the batch names it (and no report waiting from earlier claims it).
    /// Stages the waiting reports that answer these decisions and returns how many there are,
    /// with the batch's reports still to record.
    private func recordDecisions(_ decisions: [LedgerDecision], pairingWith usage: [NumberedUsage],
                                 into summary: inout LedgerWriteSummary) throws -> (heldCount: Int, unpaired: [NumberedUsage]) {
        var rowOf: [String: Int] = [:]
        var rows: [(decision: LedgerDecision, price: Price, reference: Price)] = []
        rows.reserveCapacity(decisions.count)
        // The first decision of each query in the batch; the ledger's own are looked up below.
        var decisionOfQuery: [BilledQuery: String] = [:]
        for decision in decisions where rowOf[decision.decisionID] == nil {
            let query = BilledQuery(tenant: decision.tenant, queryID: decision.queryID)
            if let first = decisionOfQuery[query] {
                summary.rejections.append(Self.duplicateQuery(decision, billed: "decision \(first), earlier in this batch"))
                continue
            }
            guard let price = prices.price(of: decision.chosenModel, at: decision.decidedAt),
                  let reference = prices.price(of: decision.referenceModel, at: decision.decidedAt)
            else {
                let model = prices.price(of: decision.chosenModel, at: decision.decidedAt) == nil
                    ? decision.chosenModel : decision.referenceModel
                summary.rejections.append(LedgerRejection(
                    position: decision.position, reason: .unpricedModel,
                    message: "no price of '\(model)' was in effect at \(decision.decidedAt); add one (routeledger prices set)"))
                continue
            }
            rowOf[decision.decisionID] = rows.count
            decisionOfQuery[query] = decision.decisionID
            rows.append((decision, price, reference))
        }
        guard !rows.isEmpty else { return (0, usage) }

        // A report pairs with the decision it names when it agrees on model, tenant and query;
        // the rest (those that differ included, booked or refused later) take the usage path.
        var pairs: [String: NumberedUsage] = [:]
        var unpaired: [NumberedUsage] = []
        for numbered in usage {
            let report = numbered.report
            if let id = report.decisionID, let row = rowOf[id], pairs[id] == nil, report.model == rows[row].decision.chosenModel,
               report.tenant == rows[row].decision.tenant, report.queryID == rows[row].decision.queryID {
                pairs[id] = numbered
            } else {
                unpaired.append(numbered)
            }
        }
        try connection.copy(into: "ledger_staged_decisions", columns: Self.stagedDecisionColumns, rows: rows.map { row in
            let decision = row.decision
            let (input, output) = (decision.estimatedInputTokens, decision.estimatedOutputTokens)
            return [
                .text(decision.decisionID), .text(decision.queryID), .text(decision.tenant), .timestamptz(decision.decidedAt),
                .text(decision.chosenModel), .text(decision.referenceModel), .text(decision.routerVersion),
                .double(decision.threshold), .double(decision.strongWinRate), .bigint(row.price.id), .bigint(row.reference.id),
                .integer(Int32(input)), .integer(Int32(output)),
                row.price.tokenPrice.cost(inputTokens: input, outputTokens: output).postgresValue,
                row.reference.tokenPrice.cost(inputTokens: input, outputTokens: output).postgresValue,
                .text(decision.position.topic), .integer(decision.position.partition), .bigint(decision.position.offset),
                decision.requestedAt.map { .timestamptz($0) } ?? .null, .text(decision.tagsJSON),
            ] + (pairs[decision.decisionID].map { Self.actual(of: $0.report, price: row.price, reference: row.reference, differing: .none) }
                 ?? Self.noActual)
        })
        func unpair(_ ids: [PostgresRow]) throws {
            for row in ids {
                if let numbered = pairs.removeValue(forKey: try row.decode(String.self, column: "decision_id")) { unpaired.append(numbered) }
            }
        }
        // A new decision for a query the ledger already bills is refused; a report paired with
        // it waits for it like any report whose decision is not in the ledger.
        let refused = try connection.query(Self.refuseSecondDecisions)
        for row in refused {
            let billed = "decision \(try row.decode(String.self, column: "billed_decision_id")) of router version "
                + "'\(try row.decode(String.self, column: "billed_router_version"))'"
            summary.rejections.append(Self.duplicateQuery(rows[rowOf[try row.decode(String.self, column: "decision_id")]!].decision,
                                                          billed: billed))
        }
        try unpair(refused)

        let heldCount = try connection.execute(Self.stageWaitingUsage, [.integer(Int32(usage.count))])

        // A waiting report came first: it claims its decision, and the batch's report for
        // that decision takes the usage path (where it is a duplicate).
        if heldCount > 0 && !pairs.isEmpty { try unpair(try connection.query(Self.yieldToWaitingUsage)) }

        summary.decisionsRecorded = try connection.execute(Self.insertDecisions)
        summary.duplicateDecisions = rows.count - refused.count - summary.decisionsRecorded
        // A paired decision already in the ledger was not inserted: its report updates that row,
        // unless the row's usage came from this very report (read again after a restart).
        if summary.duplicateDecisions > 0 && !pairs.isEmpty {
            for row in try connection.query(Self.pairsNotInserted) {
                if try row.decode(Bool.self, column: "usage_from_this_report") {
                    pairs[try row.decode(String.self, column: "decision_id")] = nil
                } else {
                    try unpair([row])
                }
            }
        }
        summary.usageRecorded += pairs.count
        summary.usageWithDecision = pairs.count
        return (heldCount, unpaired.sorted { $0.n < $1.n })
    }

    /// Who asked what: a query has one billed decision at a time.
    private struct BilledQuery: Hashable {
        let tenant: String
        let queryID: String
    }

    private static func duplicateQuery(_ decision: LedgerDecision, billed: String) -> LedgerRejection {
        LedgerRejection(position: decision.position, reason: .duplicateQuery,
                        message: "query '\(decision.queryID)' of tenant '\(decision.tenant)' is already billed by \(billed); "
                            + "decision \(decision.decisionID) is booked only once that one is superseded (routeledger ledger supersede)")
    }

    // MARK: - Usage

    /// Matches the batch's unpaired usage reports, and the `heldCount` waiting ones staged for
    /// the batch's decisions, with their decisions; records the actual usage of those that
    /// match, holds the batch's reports that do not, and refuses duplicates and mismatches.
    private func recordUsage(_ usage: [NumberedUsage], heldCount: Int, into summary: inout LedgerWriteSummary) throws {
        guard usage.count + heldCount > 0 else { return }
        if !usage.isEmpty {
            try connection.copy(into: "ledger_staged_usage", columns: Self.usageColumns, rows: usage.map { numbered in
                let report = numbered.report
                return [.integer(numbered.n), .bool(false), .text(report.position.topic), .integer(report.position.partition),
                        .bigint(report.position.offset), .text(report.tenant), .text(report.queryID),
                        report.decisionID.map { .text($0) } ?? .null, .text(report.model), .integer(Int32(report.tokens.input)),
                        .integer(Int32(report.tokens.output)), .timestamptz(report.completedAt),
                        .integer(Int32(report.tokens.cachedInput)), .integer(Int32(report.tokens.reasoning))]
            })
        }

        var actuals: [[PostgresValue]] = []
        var outcomes: [[PostgresValue]] = []
        var recordedFrom: [String: RecordPosition] = [:]
        for row in try connection.query(Self.matchUsage) {
            let match = try UsageMatch(row)
            guard let decisionID = match.decisionID else {
                if !match.held {
                    outcomes.append([.integer(match.n), "hold"])
                    summary.usageHeld += 1
                }
                continue
            }
            if match.held { outcomes.append([.integer(match.n), "resolved"]) }
            if let earlier = recordedFrom[decisionID] ?? match.recordedFrom {
                if earlier != match.position {
                    summary.rejections.append(LedgerRejection(
                        position: match.position, reason: .duplicateUsage,
                        message: "the actual usage of decision \(decisionID) was already recorded from \(earlier)"))
                }
                continue
            }
            // Another tenant's report is not booked on this decision: that would bill one tenant
            // for another's request.
            guard match.tenant == match.decisionTenant else {
                summary.rejections.append(LedgerRejection(
                    position: match.position, reason: .usageMismatch,
                    message: "the usage report is for tenant '\(match.tenant)', but its decision \(decisionID) is for '\(match.decisionTenant)'"))
                continue
            }
            guard !match.superseded else {
                summary.rejections.append(LedgerRejection(
                    position: match.position, reason: .supersededDecision,
                    message: "decision \(decisionID) was superseded and is not billed; its query's billed decision, if any, takes its own usage report"))
                continue
            }
            guard let chosen = prices.price(id: match.priceID), let reference = prices.price(id: match.referencePriceID) else {
                throw LedgerError("decision \(decisionID) names price rows \(match.priceID) and \(match.referencePriceID), not both in the prices table")
            }
            // Another model than the one chosen answered (a worker's fallback, or a query decided
            // twice): real spend all the same, priced at that model, and the row says so.
            var price = chosen
            if match.model != match.chosenModel {
                guard let reported = prices.price(of: match.model, at: match.decidedAt) else {
                    summary.rejections.append(LedgerRejection(
                        position: match.position, reason: .unpricedModel,
                        message: "the usage report names model '\(match.model)', not the chosen '\(match.chosenModel)', and no price of it was in effect at \(match.decidedAt)"))
                    continue
                }
                price = reported
            }
            let differing = UsageDifference(model: match.model == match.chosenModel ? nil : (match.model, price.id),
                                            queryID: match.queryID == match.decisionQueryID ? nil : match.queryID)
            recordedFrom[decisionID] = match.position
            summary.usageRecorded += 1
            if match.held { summary.usageFromHolding += 1 }
            if differing != .none { summary.usageDiffering += 1 }
            actuals.append([.text(decisionID)] + Self.actual(of: match, price: price, reference: reference, differing: differing))
        }
        if !actuals.isEmpty {
            try connection.copy(into: "ledger_staged_actuals", columns: ["decision_id"] + Self.actualColumns, rows: actuals)
            let updated = try connection.execute(Self.recordActuals)
            guard updated == actuals.count else {
                throw LedgerError("recorded the actual usage of \(updated) decisions where \(actuals.count) were matched")
            }
        }
        if !outcomes.isEmpty {
            try connection.copy(into: "ledger_staged_outcomes", columns: ["n", "outcome"], rows: outcomes)
            try connection.execute(Self.releaseResolvedUsage)
            try connection.execute(Self.holdUnmatchedUsage)
        }
    }

    /// What a booked report says that its decision does not: the model that answered (with
    /// the price row it was priced at) and the query, each nil when they agree.
    private struct UsageDifference: Equatable {
        var model: (name: String, priceID: Int64)?
        var queryID: String?

        static let none = UsageDifference()

        static func == (a: Self, b: Self) -> Bool {
            a.model?.name == b.model?.name && a.model?.priceID == b.model?.priceID && a.queryID == b.queryID
        }
    }

    /// The values of `actualColumns` for a report's tokens at `price`, and the reference's.
    private static func actual(of usage: some ActualUsage, price: Price, reference: Price, differing: UsageDifference) -> [PostgresValue] {
        let tokens = usage.tokens
        return [
            .integer(Int32(tokens.input)), .integer(Int32(tokens.output)),
            price.tokenPrice.cost(tokens).postgresValue, reference.tokenPrice.cost(tokens).postgresValue,
            .timestamptz(usage.completedAt), .text(usage.position.topic), .integer(usage.position.partition),
            .bigint(usage.position.offset),
            differing.model.map { .text($0.name) } ?? .null, differing.model.map { .bigint($0.priceID) } ?? .null,
            differing.queryID.map { .text($0) } ?? .null,
            .integer(Int32(tokens.cachedInput)), .integer(Int32(tokens.reasoning)),
        ]
    }

    private static let noActual = [PostgresValue](repeating: .null, count: actualColumns.count)

    /// One row of `matchUsage`: a usage report, staged from the batch or from the holding
    /// table, with the decision it answers if that is in the ledger.
    private struct UsageMatch: ActualUsage {
        let n: Int32
        let held: Bool
        let position: RecordPosition
        let tenant: String
        let queryID: String
        let model: String
        let tokens: TokenCounts
        let completedAt: PostgresTimestamp
        let decisionID: String?
        let decisionTenant: String
        let decisionQueryID: String
        let decidedAt: PostgresTimestamp
        let chosenModel: String
        let priceID: Int64
        let referencePriceID: Int64
        let superseded: Bool
        /// Where the decision's actual usage was recorded from, if it was.
        let recordedFrom: RecordPosition?

        init(_ row: PostgresRow) throws {
            n = try row.decode(column: "n")
            held = try row.decode(column: "held")
            position = RecordPosition(topic: try row.decode(column: "usage_topic"), partition: try row.decode(column: "usage_partition"),
                                      offset: try row.decode(column: "usage_offset"))
            tenant = try row.decode(column: "tenant")
            queryID = try row.decode(column: "query_id")
            model = try row.decode(column: "model")
            tokens = try TokenCounts(input: Int64(try row.decode(Int32.self, column: "input_tokens")),
                                     cachedInput: Int64(try row.decode(Int32.self, column: "cached_input_tokens")),
                                     output: Int64(try row.decode(Int32.self, column: "output_tokens")),
                                     reasoning: Int64(try row.decode(Int32.self, column: "reasoning_tokens")))
            completedAt = try row.decode(column: "completed_at")
            decisionID = try row.decode(column: "decision_id")
            decisionTenant = try row.decode(String?.self, column: "decision_tenant") ?? ""
            decisionQueryID = try row.decode(String?.self, column: "decision_query_id") ?? ""
            decidedAt = try row.decode(PostgresTimestamp?.self, column: "decided_at") ?? .negativeInfinity
            chosenModel = try row.decode(String?.self, column: "chosen_model") ?? ""
            priceID = try row.decode(Int64?.self, column: "price_id") ?? 0
            referencePriceID = try row.decode(Int64?.self, column: "reference_price_id") ?? 0
            superseded = try row.decode(Bool?.self, column: "superseded") ?? false
            if let topic = try row.decode(String?.self, column: "recorded_topic") {
                recordedFrom = RecordPosition(topic: topic, partition: try row.decode(column: "recorded_partition"),
                                              offset: try row.decode(column: "recorded_offset"))
            } else {
                recordedFrom = nil
            }
        }
    }

    // MARK: - Offsets

    // MARK: - SQL

    private static let decisionColumns = [
        "decision_id", "query_id", "tenant", "decided_at", "chosen_model", "reference_model", "router_version", "threshold",
        "strong_win_rate", "price_id", "reference_price_id", "estimated_input_tokens", "estimated_output_tokens",
        "estimated_cost", "estimated_reference_cost", "kafka_topic", "kafka_partition", "kafka_offset", "requested_at", "tags",
    ]
    /// The ledger's actual-usage columns but `usage_recorded_at`, which is the time of writing.
    private static let actualColumns = [
        "actual_input_tokens", "actual_output_tokens", "actual_cost", "actual_reference_cost", "usage_completed_at",
        "usage_topic", "usage_partition", "usage_offset", "usage_model", "usage_price_id", "usage_query_id",
        "actual_cached_input_tokens", "actual_reasoning_tokens",
    ]
    private static let stagedDecisionColumns = decisionColumns + actualColumns
    private static let usageColumns = [
        "n", "held", "usage_topic", "usage_partition", "usage_offset", "tenant", "query_id", "decision_id", "model",
        "input_tokens", "output_tokens", "completed_at", "cached_input_tokens", "reasoning_tokens",
    ]

    private static let actualColumnTypes = """
        actual_input_tokens integer, actual_output_tokens integer, actual_cost numeric(20, 6),
        actual_reference_cost numeric(20, 6), usage_completed_at timestamptz, usage_topic text, usage_partition integer,
        usage_offset bigint, usage_model text, usage_price_id bigint, usage_query_id text, actual_cached_input_tokens integer,
        actual_reasoning_tokens integer
        """

    /// Per session, emptied at every commit.
    private static let stagingTables = """
        CREATE TEMPORARY TABLE IF NOT EXISTS ledger_staged_decisions (
            decision_id text, query_id text, tenant text, decided_at timestamptz, chosen_model text,
            reference_model text, router_version text, threshold double precision, strong_win_rate double precision,
            price_id bigint, reference_price_id bigint, estimated_input_tokens integer, estimated_output_tokens integer,
            estimated_cost numeric(20, 6), estimated_reference_cost numeric(20, 6), kafka_topic text,
            kafka_partition integer, kafka_offset bigint, requested_at timestamptz, tags jsonb, \(actualColumnTypes)
        ) ON COMMIT DELETE ROWS;
        CREATE TEMPORARY TABLE IF NOT EXISTS ledger_staged_usage (
            n integer, held boolean, usage_topic text, usage_partition integer, usage_offset bigint, tenant text,
            query_id text, decision_id text, model text, input_tokens integer, output_tokens integer,
            completed_at timestamptz, cached_input_tokens integer, reasoning_tokens integer
        ) ON COMMIT DELETE ROWS;
        CREATE TEMPORARY TABLE IF NOT EXISTS ledger_staged_actuals (decision_id text, \(actualColumnTypes))
            ON COMMIT DELETE ROWS;
        CREATE TEMPORARY TABLE IF NOT EXISTS ledger_staged_outcomes (n integer, outcome text) ON COMMIT DELETE ROWS;
        """

    /// Between the parts of a batch recorded one after the other (see `record`).
    private static let emptyStagingTables = """
        TRUNCATE ledger_staged_decisions, ledger_staged_usage, ledger_staged_actuals, ledger_staged_outcomes
        """

    /// The staged decisions, each with its report's actual usage if it was paired with one.
    private static let insertDecisions = """
        INSERT INTO ledger (\(stagedDecisionColumns.joined(separator: ", ")), usage_recorded_at)
        SELECT \(stagedDecisionColumns.joined(separator: ", ")), CASE WHEN actual_cost IS NOT NULL THEN now() END
        FROM ledger_staged_decisions
        ON CONFLICT (decision_id) DO NOTHING
        """

    /// Takes out of the staged decisions the new ones whose query the ledger already bills with
    /// another decision; returns them with that decision.
    private static let refuseSecondDecisions = """
        DELETE FROM ledger_staged_decisions AS s
        USING ledger AS l
        WHERE l.tenant = s.tenant AND l.query_id = s.query_id AND l.superseded_at IS NULL AND l.decision_id <> s.decision_id
          AND NOT EXISTS (SELECT FROM ledger AS known WHERE known.decision_id = s.decision_id)
        RETURNING s.decision_id, l.decision_id AS billed_decision_id, l.router_version AS billed_router_version
        """

    /// Unpairs the staged decisions that a staged waiting report names, or answers by tenant and
    /// query; returns their ids. Run before the batch's own reports are staged.
    private static let yieldToWaitingUsage = """
        UPDATE ledger_staged_decisions AS d
        SET \(actualColumns.map { "\($0) = NULL" }.joined(separator: ", "))
        WHERE d.actual_cost IS NOT NULL
          AND (d.decision_id IN (SELECT decision_id FROM ledger_staged_usage)
               OR (d.tenant, d.query_id) IN (SELECT tenant, query_id FROM ledger_staged_usage WHERE decision_id IS NULL))
        RETURNING d.decision_id
        """

    /// Paired decisions the ledger held before this transaction (whose rows it inserted carry
    /// its time, now()), and whether the row's usage was recorded from the report paired with it.
    private static let pairsNotInserted = """
        SELECT s.decision_id,
               (l.usage_topic, l.usage_partition, l.usage_offset) IS NOT DISTINCT FROM (s.usage_topic, s.usage_partition, s.usage_offset)
                   AS usage_from_this_report
        FROM ledger_staged_decisions AS s JOIN ledger AS l USING (decision_id)
        WHERE s.actual_cost IS NOT NULL AND l.recorded_at <> now()
        """

    /// Stages the waiting reports that answer a staged decision, numbered after the batch's ($1).
    private static let stageWaitingUsage = """
        INSERT INTO ledger_staged_usage (\(usageColumns.joined(separator: ", ")))
        SELECT $1 + row_number() OVER (ORDER BY usage_topic, usage_partition, usage_offset), true, usage_topic,
               usage_partition, usage_offset, tenant, query_id, decision_id, model, input_tokens, output_tokens,
               completed_at, cached_input_tokens, reasoning_tokens
        FROM (SELECT h.* FROM usage_awaiting_decision AS h
              JOIN ledger_staged_decisions AS d ON h.decision_id = d.decision_id
              UNION
              SELECT h.* FROM usage_awaiting_decision AS h
              JOIN ledger_staged_decisions AS d
                ON h.decision_id IS NULL AND h.tenant = d.tenant AND h.query_id = d.query_id) AS waiting
        """

    /// Each staged report with its decision: the one it names, or else the tenant's decision
    /// for the query (a billed one first, then one still awaiting usage, then one of the
    /// report's model, then the latest). Waiting reports first, since they arrived earlier.
    private static let matchUsage = """
        SELECT u.n, u.held, u.usage_topic, u.usage_partition, u.usage_offset, u.tenant, u.query_id, u.model, u.input_tokens,
               u.output_tokens, u.cached_input_tokens, u.reasoning_tokens, u.completed_at, m.decision_id, m.tenant AS decision_tenant, m.query_id AS decision_query_id,
               m.decided_at, m.chosen_model, m.price_id, m.reference_price_id, m.usage_topic AS recorded_topic,
               m.usage_partition AS recorded_partition, m.usage_offset AS recorded_offset, m.superseded
        FROM ledger_staged_usage AS u
        LEFT JOIN LATERAL (
            (SELECT l.decision_id, l.tenant, l.query_id, l.decided_at, l.chosen_model, l.price_id, l.reference_price_id,
                    l.usage_topic, l.usage_partition, l.usage_offset, l.superseded_at IS NOT NULL AS superseded
             FROM ledger AS l
             WHERE u.decision_id IS NOT NULL AND l.decision_id = u.decision_id)
            UNION ALL
            (SELECT l.decision_id, l.tenant, l.query_id, l.decided_at, l.chosen_model, l.price_id, l.reference_price_id,
                    l.usage_topic, l.usage_partition, l.usage_offset, l.superseded_at IS NOT NULL AS superseded
             FROM ledger AS l
             WHERE u.decision_id IS NULL AND l.tenant = u.tenant AND l.query_id = u.query_id
             ORDER BY l.superseded_at IS NULL DESC, l.usage_recorded_at IS NULL DESC, l.chosen_model = u.model DESC, l.decided_at DESC
             LIMIT 1)
            LIMIT 1
        ) AS m ON true
        ORDER BY u.held DESC, u.n
        """

    private static let recordActuals = """
        UPDATE ledger AS l
        SET \(actualColumns.map { "\($0) = a.\($0)" }.joined(separator: ", ")), usage_recorded_at = now()
        FROM ledger_staged_actuals AS a
        WHERE l.decision_id = a.decision_id AND l.usage_recorded_at IS NULL AND l.superseded_at IS NULL
        """

    /// Waiting reports that were recorded or refused leave the holding table.
    private static let releaseResolvedUsage = """
        DELETE FROM usage_awaiting_decision AS h
        USING ledger_staged_usage AS u, ledger_staged_outcomes AS o
        WHERE o.n = u.n AND u.held AND o.outcome = 'resolved' AND h.usage_topic = u.usage_topic
          AND h.usage_partition = u.usage_partition AND h.usage_offset = u.usage_offset
        """

    private static let expireWaitingUsage = """
        DELETE FROM usage_awaiting_decision WHERE received_at < now() - make_interval(secs => $1)
        RETURNING usage_topic, usage_partition, usage_offset, tenant, query_id, decision_id
        """

    private static let holdUnmatchedUsage = """
        INSERT INTO usage_awaiting_decision (usage_topic, usage_partition, usage_offset, tenant, query_id, decision_id,
                                             model, input_tokens, output_tokens, completed_at, cached_input_tokens,
                                             reasoning_tokens)
        SELECT u.usage_topic, u.usage_partition, u.usage_offset, u.tenant, u.query_id, u.decision_id, u.model,
               u.input_tokens, u.output_tokens, u.completed_at, u.cached_input_tokens, u.reasoning_tokens
        FROM ledger_staged_usage AS u JOIN ledger_staged_outcomes AS o ON o.n = u.n
        WHERE NOT u.held AND o.outcome = 'hold'
        ON CONFLICT DO NOTHING
        """
}

/// What pricing a report's actual usage needs, from a report of the batch or a matched row.
private protocol ActualUsage {
    var tokens: TokenCounts { get }
    var completedAt: PostgresTimestamp { get }
    var position: RecordPosition { get }
}

extension UsageReport: ActualUsage {}
