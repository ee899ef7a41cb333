import Foundation
import Kafka
import Ledger
import Postgres
import Testing
import TestSupport
@testable import Pipeline

/// A route stage with a database estimates at the price book's prices and takes a new price
/// without a restart, on the embedded broker and a private PostgreSQL. The queries' 8-byte
/// prompt is estimated at 2 input and 256 output tokens, so (per million tokens):
/// - "strong" at $10 / $30: 2 × 10 + 256 × 30 = 7,700 µ$;
/// - "strong" at $12 / $36: 2 × 12 + 256 × 36 = 9,240 µ$;
/// - "strong" at $100 / $300: 2 × 100 + 256 × 300 = 77,000 µ$;
/// - "weak" at $0.5 / $1.5: 2 × 0.5 + 256 × 1.5 = 385 µ$.
@Suite(.serialized) struct LivePricesTests {
    private static func price(_ input: String, _ output: String) -> TokenPrice {
        TokenPrice(inputPerMillion: MicroUSD(dollars: input)!, outputPerMillion: MicroUSD(dollars: output)!)
    }

    /// The configured prices of `twoTopicRouting`, in the book since always; returns their rows.
    private static func recordConfiguredPrices(on connection: PostgresConnection) throws -> (strong: Price, weak: Price) {
        let rows = try PriceBook.record(configured: [("strong", price("10", "30")), ("weak", price("0.5", "1.5"))], on: connection)
        return (rows.first { $0.model == "strong" }!, rows.first { $0.model == "weak" }!)
    }

    /// A route stage (on one partition, with a database because tenant budgets are on) over
    /// `twoTopicRouting`.
    private static func harness(database: TestDatabase) throws -> RouteStageHarness {
        var harness = try RouteStageHarness(routing: twoTopicRouting(threshold: 0.5), partitions: 1)
        harness.configuration.databaseURL = database.connectionString
        harness.configuration.tenantBudgetRefreshSeconds = 0.1
        harness.configuration.ledger.pairingWindowMilliseconds = 0
        return harness
    }

    private static func waitUntil(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while try !condition() {
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    /// Sends `count` queries from `first` on, alternately along e1 (strong) and e2 (weak), and
    /// waits until the stage has decided `decidedBefore + count` in all.
    private static func route(_ harness: RouteStageHarness, from first: Int, count: Int, tenant: String = "acme") throws {
        let before = harness.metrics.total(.decisions)
        try harness.send((first..<(first + count)).map { index in
            (key: "k\(index)", value: queryEvent(id: "q\(index)", embedding: index % 2 == 0 ? [1, 0, 0, 0] : [0, 1, 0, 0])
                .replacingTenant(with: tenant))
        })
        #expect(waitUntil(within: 60) { harness.metrics.total(.decisions) >= before + Double(count) }, "queries from q\(first) not decided")
    }

    private static func decisions(_ harness: RouteStageHarness, count: Int) throws -> [RoutingDecision] {
        try harness.read(harness.configuration.topics.decisions, count: count).map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
    }

    /// decision id → estimated cost, estimated reference cost (dollars, as stored), price row, reference price row.
    private static func ledgerRows(on connection: PostgresConnection) throws -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: try connection.query("""
            SELECT decision_id, estimated_cost::text AS cost, estimated_reference_cost::text AS reference_cost,
                   price_id::text AS price, reference_price_id::text AS reference_price FROM ledger
            """).map { row in
            (try row.decode(String.self, column: "decision_id"),
             try ["cost", "reference_cost", "price", "reference_price"].map { try row.decode(String.self, column: $0) })
        })
    }

    @Test func aPriceSetWhileTheStagesRunIsUsedFromItsEffectiveTime() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let configured = try Self.recordConfiguredPrices(on: connection)
            let harness = try Self.harness(database: database)
            var earlyRows: [String: [String]] = [:]
            var newRow: Price?
            try harness.whileRunningAssembled(withLedger: true) { _ in
                // The stage read the book before its first batch.
                #expect(harness.metrics.value(.priceBookVersion, labels: ["stage": "route"]) == Double(configured.weak.id))
                try Self.route(harness, from: 0, count: 4)
                #expect(try Self.waitUntil(within: 60) { try connection.count("SELECT count(*) AS n FROM ledger") == 4 })
                earlyRows = try Self.ledgerRows(on: connection)

                // A new price of the strong model, in effect four seconds from now.
                let now = try PriceBook.currentTime(on: connection)
                let takesEffect = PostgresTimestamp(microsecondsSince2000: now.microsecondsSince2000 + 4_000_000)
                let added = try PriceBook.set("strong", to: Self.price("12", "36"), from: takesEffect, on: connection)
                newRow = added
                // Announced: the stage has it long before the follower's 30 s look.
                #expect(Self.waitUntil(within: 10) {
                    harness.metrics.value(.priceBookVersion, labels: ["stage": "route"]) == Double(added.id)
                }, "the new price row was not read")
                try Self.route(harness, from: 4, count: 4)
                Thread.sleep(until: takesEffect.date.addingTimeInterval(0.2))
                try Self.route(harness, from: 8, count: 4)
                #expect(try Self.waitUntil(within: 60) { try connection.count("SELECT count(*) AS n FROM ledger") == 12 })
            }
            let takesEffect = try #require(newRow).effectiveFrom
            let decisions = try Self.decisions(harness, count: 12)
            #expect(Set(decisions.map(\.queryID)) == Set((0..<12).map { "q\($0)" }))
            let rows = try Self.ledgerRows(on: connection)
            var decidedBefore: Set<String> = []
            for decision in decisions {
                let before = PostgresTimestamp(try #require(parseTimestamp(decision.decidedAt))) < takesEffect
                if before { decidedBefore.insert(decision.queryID) }
                let strong = before ? (cost: Int64(7_700), id: configured.strong.id) : (cost: Int64(9_240), id: newRow!.id)
                let chosen = decision.model == "strong" ? strong : (cost: Int64(385), id: configured.weak.id)
                #expect(decision.model == (Int(decision.queryID.dropFirst())! % 2 == 0 ? "strong" : "weak"))
                #expect(decision.estimatedCostMicroUSD == chosen.cost && decision.priceID == chosen.id, "\(decision.queryID)")
                #expect(decision.referenceCostMicroUSD == strong.cost && decision.referencePriceID == strong.id, "\(decision.queryID)")
                // The ledger charges what the decision was estimated at.
                #expect(rows[decision.decisionID] == [MicroUSD(microunits: chosen.cost).description, MicroUSD(microunits: strong.cost).description,
                                                      "\(chosen.id)", "\(strong.id)"], "\(decision.queryID)")
            }
            // The first queries before the change, some after it was read but before it took
            // effect, and the last after: the future price waited for its time.
            #expect(decidedBefore.isSuperset(of: ["q0", "q1", "q2", "q3"]))
            #expect(!decidedBefore.isDisjoint(with: ["q4", "q5", "q6", "q7"]), "no decision between reading the price and its effect")
            #expect(decidedBefore.isDisjoint(with: ["q8", "q9", "q10", "q11"]))
            // The rows booked before the change are as they were: 0.007700 strong, 0.000385 weak.
            #expect(earlyRows.count == 4 && earlyRows.allSatisfy { rows[$0.key] == $0.value })
            #expect(Set(earlyRows.values.map(\.first)) == ["0.007700", "0.000385"])
        }
    }

    /// A tenant budget of $0.10 counts each decision at the price it was estimated at: at
    /// $100 / $300 two strong decisions (154,000 µ$) pass it, where at the old price thirteen
    /// would have been needed (13 × 7,700 = 100,100 µ$).
    @Test func aTenantBudgetIsCheckedAtTheNewPrice() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let connection = try database.connect()
            let configured = try Self.recordConfiguredPrices(on: connection)
            try TenantBudget.set(tenant: "acme", period: .month, limit: MicroUSD(dollars: "0.10")!, policy: .cheapest, on: connection)
            var harness = try Self.harness(database: database)
            // One query a batch: each is decided against the spend of all before it.
            harness.configuration.batch.maxEvents = 1
            try harness.whileRunningAssembled { _ in
                try Self.route(harness, from: 0, count: 1, tenant: "other")
                let added = try PriceBook.set("strong", to: Self.price("100", "300"), from: nil, on: connection)
                #expect(Self.waitUntil(within: 10) {
                    harness.metrics.value(.priceBookVersion, labels: ["stage": "route"]) == Double(added.id)
                }, "the new price row was not read")
                // Five queries along e1, which the router sends strong unless the budget is spent.
                try harness.send((1...5).map { (key: "k", value: queryEvent(id: "q\($0)", embedding: [1, 0, 0, 0])) })
                #expect(Self.waitUntil(within: 60) { harness.metrics.total(.decisions) >= 6 })
            }
            let decisions = try Self.decisions(harness, count: 6)
            #expect(decisions[0].tenant == "other" && decisions[0].estimatedCostMicroUSD == 7_700
                    && decisions[0].priceID == configured.strong.id)
            let acme = decisions.dropFirst()
            #expect(acme.map(\.model) == ["strong", "strong", "weak", "weak", "weak"])
            #expect(acme.map(\.estimatedCostMicroUSD) == [77_000, 77_000, 385, 385, 385])
        }
    }

    /// Every statement that adds prices is announced on the channel route stages listen on.
    @Test func addingAPriceIsAnnounced() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let listener = try database.connect()
            try listener.listen(PriceFollower.channel)
            _ = try PriceBook.set("strong", to: Self.price("1", "2"), from: nil, on: try database.connect())
            let notification = try listener.nextNotification(timeout: .seconds(10))
            #expect(notification?.channel == PriceFollower.channel)
        }
    }

    /// A row in effect from a later time prices the decisions from then on; a configured model
    /// without a book price is estimated at its configured price.
    @Test func pricesInEffectFollowTheDecisionTime() throws {
        let (configuration, _) = try twoTopicRouting()
        let change = PostgresTimestamp(microsecondsSince2000: 900_000_000_000_000)
        let book = PriceBook(prices: [
            Price(id: 1, model: "strong", tokenPrice: Self.price("10", "30"), effectiveFrom: .negativeInfinity),
            Price(id: 3, model: "strong", tokenPrice: Self.price("12", "36"), effectiveFrom: change),
            Price(id: 2, model: "unrouted", tokenPrice: Self.price("1", "1"), effectiveFrom: .negativeInfinity),
        ])
        let prices = RoutePrices(configuration: configuration, book: book)
        #expect(prices.bookVersion == 3)
        let justBefore = PostgresTimestamp(microsecondsSince2000: change.microsecondsSince2000 - 1).date
        #expect(prices.inEffect(at: justBefore)["strong"] == RoutePrice(tokenPrice: Self.price("10", "30"), priceID: 1))
        #expect(prices.inEffect(at: change.date)["strong"] == RoutePrice(tokenPrice: Self.price("12", "36"), priceID: 3))
        #expect(prices.inEffect(at: change.date)["weak"] == RoutePrice(tokenPrice: Self.price("0.5", "1.5"), priceID: nil))
        #expect(Set(prices.inEffect(at: change.date).keys) == ["strong", "weak"])
        #expect(RoutePrices(configuration: configuration).bookVersion == nil)
    }
}

private extension Data {
    /// A `queryEvent` of another tenant than acme.
    func replacingTenant(with tenant: String) -> Data {
        Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: #""tenant":"acme""#, with: #""tenant":"\#(tenant)""#).utf8)
    }
}
