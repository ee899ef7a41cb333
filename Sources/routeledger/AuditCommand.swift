import Foundation
import Kafka
import Ledger
import Pipeline
import Postgres
import Streams

/// `routeledger audit`: what routing cost and saved, from the PostgreSQL ledger, for finance;
/// `routeledger audit reconcile`: whether the ledger agrees with itself and with Kafka.
enum AuditCommand: Command {
    static let name = "audit"
    static let summary = "report cost and savings from the ledger, or reconcile it"
    static let positionalUsage = "[reconcile]"
    static let discussion = """
        Totals of requests, tokens (actual where usage arrived, else estimated), actual cost,
        reference cost, savings and savings % over the decisions booked in [--from, --to),
        grouped by any of tenant, model, router_version, tag:KEY, day, week and month
        (comma-separated, in that order of columns), for one --tenant or all and one
        --router-version or all. A decision is booked at its request time (the query's
        created_at) unless --booked-at decision; rows recorded before request times were kept
        are booked at their decision time. tag:KEY groups by the value of the query's tag KEY
        (from its metadata; rows without it have an empty key). Superseded decisions are not
        billed and count nowhere. Money is exact: decimal dollars to the micro-dollar. A period
        of whole UTC days by request time is summed from the daily rollups, otherwise (and for
        anything by router version or tag) from the rows.
        Runs with the privileges of the connecting role: a tenant-scoped role sees its rows only.

        `audit reconcile` checks that the daily rollups equal the billed rows summed, that no
        query has two billed decisions (none superseded), that every
        row's costs are its tokens at the prices in effect at its decision time, and, with
        --config (the run configuration: Kafka, topics and ledger.group_id), that every decision
        on the decisions topic below the ledger stage's stored offsets is in the ledger (one
        the stage dead-lettered, such as unpriced_model, is listed as dead-lettered, not
        healed, and is no difference: `routeledger ledger retry-deadletters` books it once its
        cause is gone) and that the ledger stage is not stalled: a partition of the decisions or usage topic
        whose oldest record past the stored offset was produced more than --stall-after
        seconds ago is a difference (a stage that is down, or keeps failing on one record).
        It prints each difference and exits 1 if there is any, 0 if none.
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("from", "TIME", "Decisions at or after this time: 2026-11-01 (UTC midnight) or an RFC 3339 timestamp."),
        .value("to", "TIME", "Decisions before this time (same forms)."),
        .value("group-by", "LIST", "Any of tenant, model, router_version, tag:KEY, day, week, month, comma-separated."),
        .value("booked-at", "request|decision", "Which time books a decision to a period and a day (default request)."),
        .value("tenant", "NAME", "Only this tenant's decisions."),
        .value("router-version", "VERSION", "Only the decisions of this router version (read from the ledger rows, not the rollups)."),
        .value("format", "table|csv|json", "Output format (default table)."),
        .value("config", "FILE", "reconcile: the run configuration, to compare the ledger with the decisions topic."),
        .value("wait", "SECONDS", "reconcile: how long to read the decisions topic at most (default 120)."),
        .value("stall-after", "SECONDS", "reconcile: how old the oldest unrecorded record may be before the ledger counts as stalled (default 300)."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let positionals = try arguments.positionals(atMost: 1)
        if let word = positionals.first {
            guard word == "reconcile" else { throw UsageError("unknown argument '\(word)' (the only one is 'reconcile')") }
            return try reconcile(arguments)
        }
        for option in ["config", "wait", "stall-after"] where arguments.string(option) != nil {
            throw UsageError("option '--\(option)' applies to 'audit reconcile' only")
        }
        let groupBy = try (arguments.string("group-by")?.split(separator: ",") ?? []).map { word in
            let name = word.trimmingCharacters(in: .whitespaces)
            guard let grouping = AuditQuery.Grouping(name: name) else {
                throw UsageError("option '--group-by': unknown grouping '\(name)' (\((AuditQuery.Grouping.fixed.map(\.name) + ["tag:KEY"]).joined(separator: ", ")))")
            }
            return grouping
        }
        if Set(groupBy).count != groupBy.count { throw UsageError("option '--group-by': a grouping is named twice") }
        let query = AuditQuery(from: try TimeOption.value(arguments, "from"), to: try TimeOption.value(arguments, "to"), groupBy: groupBy,
                               tenant: arguments.string("tenant"), routerVersion: arguments.string("router-version"),
                               bookedAt: try arguments.choice("booked-at", from: AuditQuery.BookingTime.allCases.map(\.rawValue))
                                   .flatMap(AuditQuery.BookingTime.init(rawValue:)) ?? .request)
        let format = try arguments.choice("format", from: ["table", "csv", "json"]) ?? "table"
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 0)
        let report = try query.run(on: connection)
        print(AuditOutput(report: report).render(format), terminator: "")
        return 0
    }

    private static func reconcile(_ arguments: ParsedArguments) throws -> Int32 {
        for option in ["from", "to", "group-by", "booked-at", "tenant", "router-version", "format"] where arguments.string(option) != nil {
            throw UsageError("option '--\(option)' does not apply to 'audit reconcile'")
        }
        let wait = try arguments.int("wait", range: 1...86_400) ?? 120
        let stallAfter = try arguments.int("stall-after", range: 1...31_536_000) ?? 300
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 0)
        var differences = try LedgerReconciliation.rollupDifferences(on: connection).map(\.description)
        print("rollups: \(differences.isEmpty ? "equal to the ledger rows summed" : "\(differences.count) differ")")
        let duplicates = try LedgerReconciliation.duplicateBills(on: connection).map(\.description)
        print("bills: \(duplicates.isEmpty ? "one billed decision per query" : "\(duplicates.count) queries billed more than once")")
        differences += duplicates
        let costs = try LedgerReconciliation.costDifferences(on: connection).map(\.description)
        print("costs: \(costs.isEmpty ? "every row priced at the prices in effect at its decision time" : "\(costs.count) differ")")
        differences += costs
        if let file = arguments.string("config") {
            let configuration = try ConfigurationOption.load(file)
            let read = try DecisionsTopicReader(configuration: configuration, connection: connection).read(within: .seconds(wait))
            let absent = try LedgerReconciliation.missingDecisions(read.decisions, on: connection)
            // A decision the ledger stage refused is accounted for on the dead-letter topic, with
            // why: unhealed, not missing.
            let deadLetters = absent.isEmpty ? nil : try LedgerDeadLetters.read(configuration: configuration, within: .seconds(wait))
            let unhealed = absent.compactMap { decision in
                deadLetters?.letters(for: decision.position).last.map { (decision, $0.record) }
            }
            let missing = absent.filter { decision in !unhealed.contains { $0.0.position == decision.position } }
            print("kafka: \(read.decisions.count) decisions on \(configuration.topics.decisions) below the stored offsets, "
                  + (absent.isEmpty ? "all in the ledger" : "\(missing.count) missing from the ledger, \(unhealed.count) dead-lettered"))
            for (decision, letter) in unhealed {
                print("dead-lettered, not healed: decision \(decision.decisionID) at \(decision.position): \(letter.errorKind): \(letter.message) "
                      + "(routeledger ledger retry-deadletters books it once that is resolved)")
            }
            if deadLetters?.complete == false {
                differences.append("\(configuration.topics.deadLetter) could not be read to its end within \(wait) s: missing decisions may be dead-lettered")
            }
            differences += missing.map { "decision \($0.decisionID) at \($0.position) is not in the ledger" }
            differences += read.unread.map { "\($0): could not be read up to the stored offset within \(wait) s" }
            let backlog = try LedgerBacklog.measure(configuration: configuration, connection: connection, within: .seconds(wait))
            let stalled = backlog.stalled(olderThan: .seconds(stallAfter))
            print("progress: \(backlog.partitions.reduce(0) { $0 + $1.records }) records on \(configuration.topics.decisions) and "
                  + "\(configuration.topics.usage) not yet recorded, "
                  + (stalled.isEmpty ? "none older than \(stallAfter) s" : "\(stalled.count) partitions stalled"))
            differences += stalled.map { partition in
                let age = partition.oldestUnrecordedAt.map { "was produced \(Int(Date().timeIntervalSince($0))) s ago" } ?? "could not be read"
                return "ledger stalled: \(partition) has \(partition.records) records past its stored offset \(partition.storedOffset); "
                    + "the oldest \(age) (see the ledger stage's log)"
            }
        } else {
            print("kafka: not checked (give --config to compare the ledger with the decisions topic)")
        }
        for difference in differences { print(difference) }
        print(differences.isEmpty ? "reconciled: no differences" : "reconciled: \(differences.count) differences")
        return differences.isEmpty ? 0 : 1
    }
}

/// Reads the decisions topic from its start up to the offsets the ledger stage stored in
/// PostgreSQL, collecting each decision's id and position.
private struct DecisionsTopicReader {
    let configuration: RouteLedgerConfiguration
    let connection: PostgresConnection

    func read(within timeout: Duration) throws -> (decisions: [(decisionID: String, position: RecordPosition)], unread: [RecordPosition]) {
        let topic = configuration.topics.decisions
        var targets: [Int32: Int64] = [:]
        for (partition, offset) in try ConsumerOffsetStore(group: configuration.ledger.groupID, on: connection).read()
        where partition.topic == topic {
            targets[partition.partition] = offset
        }
        guard !targets.isEmpty else { return ([], []) }
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: "routeledger-reconcile-\(UUID().uuidString.prefix(8))"))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic]) { partitions in
            partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaOffset(rawValue: 0)) }
        }
        var decisions: [(decisionID: String, position: RecordPosition)] = []
        var reached: [Int32: Int64] = [:]
        let deadline = ContinuousClock.now + timeout
        while targets.contains(where: { (reached[$0.key] ?? 0) < $0.value }), ContinuousClock.now < deadline {
            for message in try consumer.poll(maxMessages: 5_000, timeout: .milliseconds(200)) {
                let position = RecordPosition(message)
                reached[position.partition] = max(reached[position.partition] ?? 0, position.offset + 1)
                // Records the ledger stage could not read went to the dead-letter topic, not the ledger.
                guard position.offset < targets[position.partition] ?? 0, let decision = try? LedgerRecords.decision(message.value, position: position) else { continue }
                decisions.append((decision.decisionID, position))
            }
        }
        let unread = targets.filter { (reached[$0.key] ?? 0) < $0.value }.sorted { $0.key < $1.key }
            .map { RecordPosition(topic: topic, partition: $0.key, offset: $0.value) }
        return (decisions, unread)
    }
}
