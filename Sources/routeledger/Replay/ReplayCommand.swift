import Foundation
import Ledger
import Pipeline
import Postgres
import Streams

/// `routeledger replay`: what past traffic would have cost under another router or another
/// price list, in a shadow ledger of its own, beside what it did cost.
enum ReplayCommand: Command {
    static let name = "replay"
    static let summary = "re-route or re-price past traffic into a shadow ledger and compare it with the bill"
    static let discussion = """
        Re-routing (any of --threshold, --strong-share, --memory, --router-version): reads the
        queries made in [--since, --until) (their created_at; --tenant for one tenant) from the
        queries topic of --config, from its start to its end, and decides each again as the
        route stage would, under the configuration's router with those changes; --memory database
        routes over PostgreSQL's battles table (of --database, else database.url) as a route stage
        following it would: the imported battles and the votes learnt, with the newest ratings
        version's tiers. A query sent more than once is decided once. Re-pricing (--prices
        alone): takes the ledger's billed decisions of the span as they are. Either way each query is priced at --prices (a
        price list file, every model it names priced) or else at the price book in effect at its
        request time, for its actual tokens where the ledger has them and its estimate
        otherwise, and the result goes to the shadow ledger (tables replays and
        replay_decisions) under --id, never to a routed topic or the billing ledger.
        The report compares it with the billed decisions per tenant and request day (requests,
        cost, savings against the reference model, strong calls, decisions that changed), per
        tenant and model, and query by query where the model differs, and where the traffic
        voted on its queries the quality of each side (its mean vote score: 1 a win, 0.5 a tie,
        0 a loss; and the changed queries head to head): as a table, CSV (the days) or JSON (all). The same replay gives the same report, byte for byte.
        `replay --list` lists the replays; `replay --drop ID` deletes one; `replay --report ID`
        prints one again.
        The price list file: a header line `model,input_usd_per_million,output_usd_per_million`,
        then, optionally and in any order, `cached_input_usd_per_million`,
        `reasoning_usd_per_million` and `per_request_usd`; then one model a line, an empty
        optional cell leaving that component out (cached input and reasoning tokens then cost
        the input and output rates, and there is no fee); lines starting with # are comments.
        The actual tokens are priced with their cached input and reasoning tokens.
        """
    static let options: [Option] = [
        .value("config", "FILE", "The run configuration: Kafka, the queries topic, models, router and database."),
        .value("id", "NAME", "The replay's id: 1 to 64 of A-Z a-z 0-9 _ . : - (required to replay)."),
        .value("since", "TIME", "Queries made at or after this time: 2026-11-01 (UTC midnight) or an RFC 3339 timestamp."),
        .value("until", "TIME", "Queries made before this time (same forms)."),
        .value("tenant", "NAME", "Only this tenant's queries."),
        .value("threshold", "T", "Re-route at this threshold (0…1)."),
        .value("strong-share", "S", "Re-route at the threshold calibrated on the memory for this strong share (0…1)."),
        .value("memory", "DIR|database", "Re-route over this battle memory instead of the configuration's: a directory, or 'database' for "
               + "PostgreSQL's battles table (of --database) with the votes learnt."),
        .value("router-version", "VERSION", "The replayed router's version, for the record (default replay:ID)."),
        .value("prices", "FILE", "Price the replay at this price list instead of the price book."),
        .value("wait", "SECONDS", "How long to read the queries topic for at most (default 120)."),
        .value("format", "table|csv|json", "Report format (default table)."),
        .flag("list", "List the replays."),
        .value("drop", "ID", "Delete this replay and its decisions."),
        .value("report", "ID", "Print the report of this replay again."),
        DatabaseOption.option,
    ]

    private static let reroutingOptions = ["threshold", "strong-share", "memory", "router-version"]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let format = try arguments.choice("format", from: ["table", "csv", "json"]) ?? "table"
        let configuration = try arguments.string("config").map(ConfigurationOption.load)
        // The shadow ledger's database, and the battles table's for `--memory database`.
        func settings() throws -> PostgresSettings {
            try DatabaseOption.settings(arguments, configuration: configuration)
        }
        func connect() throws -> PostgresConnection {
            try DatabaseOption.connect(try settings(), waitingUpTo: 0)
        }
        if arguments.flag("list") {
            for replay in try ReplayLedger.list(on: try connect()) {
                print("\(replay.id)  \(replay.kind)  \(replay.queries) queries  \(replay.createdAt) by \(replay.createdBy)  \(replay.parametersJSON)")
            }
            return 0
        }
        if let id = arguments.string("drop") {
            guard try ReplayLedger.drop(id: id, on: try connect()) else { throw CommandFailure("there is no replay '\(id)'") }
            print("dropped replay \(id)")
            return 0
        }
        if let id = arguments.string("report") {
            print(ReplayOutput(report: try ReplayReport.load(id: id, on: try connect())).render(format), terminator: "")
            return 0
        }

        let id = try arguments.requiredString("id")
        // The same characters as a tag key (and the replays table's check).
        guard EventBounds.isTagKey(id) else {
            throw UsageError("option '--id': '\(id)' is not 1 to 64 of A-Z a-z 0-9 _ . : -")
        }
        let since = try TimeOption.value(arguments, "since")
        let until = try TimeOption.value(arguments, "until")
        let tenant = arguments.string("tenant")
        let threshold = try arguments.double("threshold", range: 0...1)
        let share = try arguments.double("strong-share", range: 0...1)
        if threshold != nil && share != nil { throw UsageError("give at most one of --threshold and --strong-share") }
        let priceList = try arguments.string("prices").map { path in
            do {
                return try PriceList(parsing: try String(contentsOfFile: path, encoding: .utf8))
            } catch let error as LedgerInputError {
                throw UsageError("option '--prices': \(path): \(error)")
            }
        }
        let rerouting = reroutingOptions.contains { arguments.string($0) != nil }
        guard rerouting || priceList != nil else {
            throw UsageError("say what to replay: a router change (--threshold, --strong-share, --memory, --router-version) "
                             + "and/or another price list (--prices FILE)")
        }
        var parameters: [String: Any] = ["kind": rerouting ? "reroute" : "reprice"]
        for option in ["since", "until", "tenant", "memory", "prices"] { parameters[option] = arguments.string(option) }
        parameters["threshold"] = threshold
        parameters["strong_share"] = share

        let connection = try connect()
        let billed = try ReplayLedger.billedQueries(from: since, to: until, tenant: tenant, on: connection)
        var decided: [ReplayedQuery] = []
        if rerouting {
            guard var configuration else { throw UsageError("re-routing reads the queries topic and the router of --config FILE") }
            if let threshold { configuration.routing.threshold = .fixed(threshold) }
            if let share { configuration.routing.threshold = .strongShare(share) }
            if let memory = arguments.string("memory") { configuration.memoryPath = memory }
            configuration.routing.routerVersion = arguments.string("router-version") ?? "replay:\(id)"
            parameters["router_version"] = configuration.routing.routerVersion
            let wait = try arguments.int("wait", range: 1...86_400) ?? 120
            let (snapshot, embedder) = try StageAssembly(configuration: configuration, database: try settings(), shutdown: ShutdownSignal()).router()
            let span = PastQueries.Span(from: since?.date, to: until?.date, tenant: tenant)
            let queries = try PastQueries.read(configuration: configuration, span: span, within: .seconds(wait))
            guard queries.complete else {
                throw CommandFailure("\(configuration.topics.queries) could not be read to its end within \(wait) s (--wait)")
            }
            let routed = queries.route(configuration: configuration, snapshot: snapshot, embedder: embedder)
            printStandardError("replay \(id): \(queries.records.count) queries of the span on \(configuration.topics.queries), "
                               + "\(routed.decisions.count) decided, \(routed.refused) refused, threshold \(snapshot.threshold)\n")
            let billedTokens = Dictionary(billed.filter(\.actualTokens).map { ([$0.tenant, $0.queryID], $0.tokens) },
                                          uniquingKeysWith: { first, _ in first })
            decided = try routed.decisions.map { decision, requestedAt in
                let actual = billedTokens[[decision.tenant, decision.queryID]]
                return ReplayedQuery(tenant: decision.tenant, queryID: decision.queryID, requestedAt: PostgresTimestamp(requestedAt),
                                     model: decision.model, reference: decision.referenceModel,
                                     winRate: decision.candidates.first?.referenceWinRate,
                                     tokens: try actual ?? TokenCounts(input: decision.estimatedInputTokens, output: decision.estimatedOutputTokens),
                                     actualTokens: actual != nil)
            }
        } else {
            decided = billed.map { query in
                ReplayedQuery(tenant: query.tenant, queryID: query.queryID, requestedAt: query.bookedAt, model: query.chosenModel,
                              reference: query.referenceModel, winRate: nil, tokens: query.tokens, actualTokens: query.actualTokens)
            }
        }

        let book = priceList == nil ? try PriceBook.load(from: connection) : nil
        var unpriced: Set<String> = []
        func price(_ model: String, at time: PostgresTimestamp) -> TokenPrice? {
            let found = priceList.map { $0.prices[model] } ?? book?.price(of: model, at: time)?.tokenPrice
            if found == nil { unpriced.insert(model) }
            return found
        }
        let decisions = decided.compactMap { query -> ReplayLedger.Decision? in
            guard let chosen = price(query.model, at: query.requestedAt), let reference = price(query.reference, at: query.requestedAt) else { return nil }
            return ReplayLedger.Decision(
                tenant: query.tenant, queryID: query.queryID, requestedAt: query.requestedAt, chosenModel: query.model,
                referenceModel: query.reference, strongWinRate: query.winRate, tokens: query.tokens, actualTokens: query.actualTokens,
                cost: chosen.cost(query.tokens), referenceCost: reference.cost(query.tokens))
        }
        guard unpriced.isEmpty else {
            throw CommandFailure("no price of \(unpriced.sorted().map { "'\($0)'" }.joined(separator: ", ")) "
                                 + (priceList == nil ? "in the price book at the queries' times" : "in \(arguments.string("prices")!)"))
        }
        let parametersData = try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys, .withoutEscapingSlashes])
        try ReplayLedger.record(id: id, kind: rerouting ? .reroute : .reprice, parametersJSON: String(decoding: parametersData, as: UTF8.self),
                                decisions: decisions, on: connection)
        print(ReplayOutput(report: try ReplayReport.load(id: id, on: connection)).render(format), terminator: "")
        return 0
    }
}

/// A query as the replay decided it, before pricing: the tokens are its actual ones where the
/// ledger has them (cached and reasoning tokens included), else its estimate.
private struct ReplayedQuery {
    let tenant: String
    let queryID: String
    let requestedAt: PostgresTimestamp
    let model: String
    let reference: String
    let winRate: Double?
    let tokens: TokenCounts
    let actualTokens: Bool
}
