import Foundation
import Ledger
import Postgres

/// The price a route stage estimates a model's cost at: a price book row, or the configured
/// price of a model the book has no price of in effect.
public struct RoutePrice: Sendable, Hashable, CustomStringConvertible {
    public let tokenPrice: TokenPrice
    /// The `prices` row; nil for a configured price.
    public let priceID: Int64?

    public var description: String {
        priceID.map { "\(tokenPrice) (price row \($0))" } ?? "\(tokenPrice) (configured)"
    }
}

/// What a route stage prices its estimates of the candidate models from: the price book when it
/// has a database (the row in effect at each decision's time, as the ledger charges it), else
/// the configured `models` prices. A row in effect only from a later time is used by the
/// decisions from then on; a candidate the book has no price of in effect is estimated at its
/// configured price.
public struct RoutePrices: Sendable {
    /// The candidates' configured prices.
    private let configured: [String: TokenPrice]
    let book: PriceBook?
    /// The ids of the book's rows: rows are only ever added, so a book with other ids has new rows.
    let rowIDs: Set<Int64>

    public init(configuration: RouteLedgerConfiguration, book: PriceBook? = nil) {
        let candidates = Set(configuration.routingCandidates)
        configured = Dictionary(configuration.models.filter { candidates.contains($0.name) }.map { ($0.name, $0.price) },
                                uniquingKeysWith: { first, _ in first })
        self.book = book
        rowIDs = Set(book.map { book in book.models.flatMap(book.history(of:)).map(\.id) } ?? [])
    }

    /// The highest price row id in the book (0 for an empty one): its version; nil without a book.
    public var bookVersion: Int64? {
        book.map { _ in rowIDs.max() ?? 0 }
    }

    /// Each candidate's price for decisions made at `time`.
    public func inEffect(at time: Date) -> [String: RoutePrice] {
        let moment = PostgresTimestamp(time)
        var prices: [String: RoutePrice] = [:]
        for (model, price) in configured {
            prices[model] = book?.price(of: model, at: moment).map { RoutePrice(tokenPrice: $0.tokenPrice, priceID: $0.id) }
                ?? RoutePrice(tokenPrice: price, priceID: nil)
        }
        return prices
    }

    /// The book's rows of candidates that `earlier` did not hold, earliest in effect first.
    func rows(addedSince earlier: RoutePrices) -> [Price] {
        guard let book else { return [] }
        return configured.keys.flatMap { book.history(of: $0) }.filter { !earlier.rowIDs.contains($0.id) }
            .sorted { ($0.effectiveFrom, $0.id) < ($1.effectiveFrom, $1.id) }
    }
}
