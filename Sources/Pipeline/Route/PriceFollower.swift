import Foundation
import Ledger
import Postgres
import Streams
import Synchronization

/// Keeps route stages estimating at the price book's prices without a restart: reads the
/// `prices` table before the stages start, listens for the announcement every added price row
/// makes (migration 0015; it looks now and then anyway), reads the new rows and gives the stages
/// the new book between their batches. Each decision is estimated at the rows in effect at its
/// decision time, as the ledger charges it, so a row in effect from a later time changes the
/// estimates from that time on. The log says what changed when a row is read and when a price
/// takes effect, and then the strong share check runs again. A candidate model the book has no
/// price of in effect is estimated at its configured price (logged once per model).
///
/// A database that cannot be reached never stops routing: the stages go on with the prices they
/// have, and the follower tries again.
public final class PriceFollower: PipelineStage {
    public var name: String { "prices" }

    /// The channel migration 0015's trigger announces added price rows on.
    public static let channel = "routeledger_prices"
    /// How often to look without an announcement: they are lost while disconnected.
    static let fallbackLook: Duration = .seconds(30)
    /// How often the prices in effect are compared with the last ones, so a row that takes
    /// effect later is reported when it does.
    static let reviewInterval: Duration = .milliseconds(250)

    private struct State: Sendable {
        /// Nil until the book was read once.
        var prices: RoutePrices?
        /// The prices in effect at the latest review, to tell what changed.
        var inEffect: [String: RoutePrice] = [:]
        /// Candidates whose configured price stood in for the book's (logged once).
        var reportedFallbacks: Set<String> = []
    }

    private let configuration: RouteLedgerConfiguration
    private let database: PostgresSettings
    private let stages: [RouteStage]
    private let state = Mutex(State())
    private let shutdown: ShutdownSignal
    private let metrics: MetricsRegistry
    private let log: StageLog
    private let listener: ChannelListener

    public init(stages: [RouteStage], configuration: RouteLedgerConfiguration, database: PostgresSettings, shutdown: ShutdownSignal,
                metrics: MetricsRegistry = MetricsRegistry(), log: StageLog = StageLog(component: "prices")) {
        self.stages = stages
        self.configuration = configuration
        self.database = database
        listener = ChannelListener(channel: Self.channel, database: database)
        self.shutdown = shutdown
        self.metrics = metrics
        self.log = log
    }

    /// Ready while it listens for announcements.
    public func readiness() -> Readiness {
        guard listener.isListening else { return .notReady("not connected to the database") }
        return .ready("following the price book, version \(state.withLock { $0.prices?.bookVersion ?? 0 })")
    }

    /// Reads the book now, so the stages' first batch is estimated from it. A database that
    /// cannot be reached is logged; the stages estimate at the configured prices until `run`
    /// reads the book.
    public func readBook() {
        do {
            try look(try PostgresConnection(database))
        } catch {
            log(.warning, "cannot read the price book; estimating at the configured prices until it can be read", ["error": "\(error)"])
        }
    }

    public func run() throws {
        try runRestarting({ try listener.whileListening(follow) }, shutdown: shutdown, log: log,
                          message: "cannot follow the price book; routing goes on with the prices it has")
    }

    private func follow(_ connection: PostgresConnection) throws {
        let clock = ContinuousClock()
        // Look at once: rows added while not listening were announced to nobody here.
        try look(connection)
        var lastLook = clock.now
        while !shutdown.isRequested {
            if try connection.nextNotification(timeout: Self.reviewInterval) != nil || clock.now - lastLook >= Self.fallbackLook {
                while try connection.nextNotification(timeout: .zero) != nil {}
                lastLook = clock.now
                try look(connection)
            } else {
                review(at: Date())
            }
        }
    }

    /// Reads the rows added since the last look, if any, and gives the stages the new book; then
    /// reviews the prices in effect now.
    private func look(_ connection: PostgresConnection) throws {
        let previous = state.withLock { $0.prices }
        var book = previous?.book ?? PriceBook()
        try book.refresh(from: connection)
        let prices = RoutePrices(configuration: configuration, book: book)
        if let previous, prices.rowIDs == previous.rowIDs {
            review(at: Date())
            return
        }
        for stage in stages { stage.take(prices) }
        state.withLock { $0.prices = prices }
        if let previous {
            for row in prices.rows(addedSince: previous) {
                log(.info, "new price read", ["model": row.model, "price": row.tokenPrice, "effective_from": row.effectiveFrom,
                                              "price_id": row.id])
            }
        } else {
            log(.info, "price book read", ["price_book_version": prices.bookVersion ?? 0])
            reportConfiguredPrices(prices.inEffect(at: Date()))
        }
        review(at: Date())
    }

    /// Like the ledger stage, says which configured prices of candidates the book holds
    /// otherwise now: the book's are the ones used.
    private func reportConfiguredPrices(_ inEffect: [String: RoutePrice]) {
        for model in configuration.models {
            guard let price = inEffect[model.name], price.priceID != nil, price.tokenPrice != model.price else { continue }
            log.configuredPriceDiffers(model: model.name, configured: model.price, priceBook: price.tokenPrice,
                                       consequence: "route estimates use the book's")
        }
    }

    /// Logs each price that changed since the last review (a row read, or one that took effect)
    /// and, once per model, a configured price standing in for the book's; after a change of
    /// what a model costs (not only of the row that says it), runs the strong share check again.
    private func review(at now: Date) {
        let (current, before, fallbacks) = state.withLock { state -> ([String: RoutePrice], [String: RoutePrice], [String]) in
            guard let prices = state.prices else { return ([:], [:], []) }
            let current = prices.inEffect(at: now)
            let fallbacks = current.filter { $0.value.priceID == nil && !state.reportedFallbacks.contains($0.key) }.keys.sorted()
            defer {
                state.inEffect = current
                state.reportedFallbacks.formUnion(fallbacks)
            }
            return (current, state.inEffect, fallbacks)
        }
        for model in fallbacks {
            log(.warning, "the price book has no price of the model in effect; route estimates use the configured price",
                ["model": model, "configured": current[model]!.tokenPrice])
        }
        var changes: [String] = []
        for model in current.keys.sorted() {
            guard let was = before[model], let now = current[model], was != now else { continue }
            log(.info, "a new price is in effect for the route stage's estimates", ["model": model, "from": was, "to": now])
            if was.tokenPrice != now.tokenPrice { changes.append("\(model): \(was.tokenPrice) -> \(now.tokenPrice)") }
        }
        guard !changes.isEmpty, let stage = stages.first else { return }
        let cause = "price change (\(changes.joined(separator: "; ")))"
        StrongShareCheck.report(stage.snapshotInUse, after: cause, metrics: metrics, log: log)
        for stage in stages { stage.reportLiveShare(after: cause) }
    }
}
