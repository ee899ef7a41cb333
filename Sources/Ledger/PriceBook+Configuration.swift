import Postgres

extension PriceBook {
    /// Makes the `prices` table agree with the configured prices, in one transaction, and
    /// returns the rows it added. A model without any row gets one in effect since always
    /// (`-infinity`): its first known price applies to every decision before it. A model whose
    /// price in effect now differs from the configured one gets a row in effect from now, so
    /// decisions made before keep the price they were made at. Nothing is ever changed.
    /// Needs a role that may add prices (`mayAddPrices`).
    @discardableResult
    public static func record(configured: [(model: String, price: TokenPrice)],
                              on connection: PostgresConnection) throws -> [Price] {
        try connection.transaction {
            try LedgerLock.acquire(on: connection)
            let book = try PriceBook.load(from: connection)
            let now = try currentTime(on: connection)
            var added: [Price] = []
            for (model, price) in configured {
                if book.history(of: model).isEmpty {
                    added.append(try insert(model, price, from: .negativeInfinity, on: connection))
                } else if book.price(of: model, at: now)?.tokenPrice != price {
                    added.append(try insert(model, price, from: now, on: connection))
                }
            }
            return added
        }
    }

    /// The configured prices that are not the price book's now, with the price in effect (nil
    /// for a model the book has no price of): what a role that may not add prices reports.
    public static func differences(from configured: [(model: String, price: TokenPrice)],
                                   on connection: PostgresConnection) throws -> [(model: String, configured: TokenPrice, inEffect: Price?)] {
        let book = try PriceBook.load(from: connection)
        let now = try currentTime(on: connection)
        return configured.compactMap { model, price in
            let inEffect = book.price(of: model, at: now)
            return inEffect?.tokenPrice == price ? nil : (model, price, inEffect)
        }
    }

    /// Whether the connected role may add prices (the schema's owner or a price administrator).
    public static func mayAddPrices(on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT has_table_privilege('prices', 'INSERT') AS may_insert")[0].decode(Bool.self, column: "may_insert")
    }

    /// Adds `price` for `model` from `effectiveFrom` on (now when nil), never rewriting history:
    /// a time before now is refused for a model that has a price already, since decisions made
    /// since then were charged the earlier one and would no longer agree with the book. A
    /// model's first price may be in effect since any time, `-infinity` included.
    public static func set(_ model: String, to price: TokenPrice, from effectiveFrom: PostgresTimestamp?,
                           on connection: PostgresConnection) throws -> Price {
        try connection.transaction {
            try LedgerLock.acquire(on: connection)
            let book = try PriceBook.load(from: connection)
            let now = try currentTime(on: connection)
            let from = effectiveFrom ?? now
            if let latest = book.history(of: model).last {
                guard from >= now else {
                    throw LedgerError("a new price of '\(model)' cannot take effect before now (\(now)): decisions since then "
                                      + "were charged the price in effect, \(latest.tokenPrice) from \(latest.effectiveFrom)")
                }
                guard from > latest.effectiveFrom else {
                    throw LedgerError("'\(model)' already has a price from \(latest.effectiveFrom); a new one must take effect after it")
                }
            }
            return try insert(model, price, from: from, on: connection)
        }
    }

    /// The database's clock (its transaction time), which prices take effect by.
    public static func currentTime(on connection: PostgresConnection) throws -> PostgresTimestamp {
        try connection.query("SELECT now() AS now")[0].decode(PostgresTimestamp.self, column: "now")
    }

    private static func insert(_ model: String, _ price: TokenPrice, from effectiveFrom: PostgresTimestamp,
                               on connection: PostgresConnection) throws -> Price {
        let columns = PriceComponent.allCases
        let id = try connection.query("""
            INSERT INTO prices (model, \(columns.map(\.rawValue).joined(separator: ", ")), effective_from)
            VALUES ($1, \((2...columns.count + 1).map { "$\($0)" }.joined(separator: ", ")), $\(columns.count + 2)) RETURNING id
            """, [.text(model)] + columns.map { price[$0]?.postgresValue ?? .null } + [.timestamptz(effectiveFrom)])[0]
            .decode(Int64.self, column: "id")
        return Price(id: id, model: model, tokenPrice: price, effectiveFrom: effectiveFrom)
    }
}
