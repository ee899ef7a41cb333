import Postgres

extension PriceBook {
    /// Makes the `prices` table agree with the configured prices, in one transaction, and
    /// returns the rows it added. A model without any row gets one in effect since always
    /// (`-infinity`): its first known price applies to every decision before it. A model whose
    /// price in effect now differs from the configured one gets a row in effect from now, so
    /// decisions made before keep the price they were made at. Nothing is ever changed.
    @discardableResult
    public static func record(configured: [(model: String, price: TokenPrice)],
                              on connection: PostgresConnection) throws -> [Price] {
        try connection.transaction {
            try LedgerLock.acquire(on: connection)
            let book = try PriceBook.load(from: connection)
            let now = try connection.query("SELECT now()")[0].decode(PostgresTimestamp.self, at: 0)
            let insert = try connection.prepare("""
                INSERT INTO prices (model, input_usd_per_million, output_usd_per_million, effective_from)
                VALUES ($1, $2, $3, $4) RETURNING id
                """, types: [.text, .numeric, .numeric, .timestamptz])
            var added: [Price] = []
            for (model, price) in configured {
                let effectiveFrom: PostgresTimestamp
                if book.history(of: model).isEmpty {
                    effectiveFrom = .negativeInfinity
                } else if book.price(of: model, at: now)?.tokenPrice == price {
                    continue
                } else {
                    effectiveFrom = now
                }
                let id = try connection.query(insert, [
                    .text(model), .numeric(PostgresNumeric(units: price.inputPerMillion.microunits, scale: 6)),
                    .numeric(PostgresNumeric(units: price.outputPerMillion.microunits, scale: 6)), .timestamptz(effectiveFrom),
                ])[0].decode(Int64.self, at: 0)
                added.append(Price(id: id, model: model, tokenPrice: price, effectiveFrom: effectiveFrom))
            }
            return added
        }
    }
}
