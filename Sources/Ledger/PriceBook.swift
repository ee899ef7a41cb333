import Postgres

/// The `prices` table in memory: which price was in effect for a model at a given time, and
/// each price by id.
///
/// Prices are only ever added, so the book notices new rows by the table's row count and
/// highest id and reads it again only then.
public struct PriceBook: Sendable {
    /// Each model's rows, earliest in effect first.
    private var byModel: [String: [Price]] = [:]
    private var byID: [Int64: Price] = [:]
    private var version = Version(rows: 0, highestID: 0)

    private struct Version: Equatable {
        let rows: Int64
        let highestID: Int64
    }

    public init(prices: [Price] = []) {
        for price in prices { add(price) }
    }

    /// Reads every price row.
    public static func load(from connection: PostgresConnection) throws -> PriceBook {
        var book = PriceBook()
        try book.read(from: connection, version: try currentVersion(on: connection))
        return book
    }

    /// Reads the table again if rows were added since it was read.
    public mutating func refresh(from connection: PostgresConnection) throws {
        let current = try Self.currentVersion(on: connection)
        guard current != version else { return }
        self = PriceBook()
        try read(from: connection, version: current)
    }

    /// The row in effect for `model` at `time`: the latest one effective at or before it.
    public func price(of model: String, at time: PostgresTimestamp) -> Price? {
        guard let rows = byModel[model] else { return nil }
        // Binary search for the last row with effectiveFrom <= time.
        var low = 0
        var high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].effectiveFrom <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : rows[low - 1]
    }

    public func price(id: Int64) -> Price? {
        byID[id]
    }

    /// The models with a price row, in name order.
    public var models: [String] { byModel.keys.sorted() }

    /// Every row of `model`, earliest in effect first.
    public func history(of model: String) -> [Price] {
        byModel[model] ?? []
    }

    private mutating func add(_ price: Price) {
        var rows = byModel[price.model, default: []]
        let index = rows.firstIndex { $0.effectiveFrom > price.effectiveFrom } ?? rows.count
        rows.insert(price, at: index)
        byModel[price.model] = rows
        byID[price.id] = price
    }

    private mutating func read(from connection: PostgresConnection, version: Version) throws {
        let rows = try connection.query("""
            SELECT id, model, \(PriceComponent.allCases.map(\.rawValue).joined(separator: ", ")), effective_from
            FROM prices ORDER BY model, effective_from
            """)
        for row in rows {
            add(try Price(row: row))
        }
        self.version = version
    }

    private static func currentVersion(on connection: PostgresConnection) throws -> Version {
        let row = try connection.query("SELECT count(*) AS row_count, coalesce(max(id), 0) AS highest_id FROM prices")[0]
        return Version(rows: try row.decode(column: "row_count"), highestID: try row.decode(column: "highest_id"))
    }
}

private extension Price {
    /// A row of the `prices` columns `PriceBook` reads; throws for a price above what
    /// RouteLedger charges exactly.
    init(row: PostgresRow) throws {
        let id: Int64 = try row.decode(column: "id")
        let model: String = try row.decode(column: "model")
        var components: [PriceComponent: MicroUSD] = [:]
        for component in PriceComponent.allCases {
            // NULL: a cached input or reasoning rate the row does not set.
            guard let value = try row.decode(PostgresNumeric?.self, column: component.rawValue) else { continue }
            guard let units = value.units(scale: 6), TokenPrice.allowedAmounts.contains(MicroUSD(microunits: units)) else {
                throw LedgerError("price row \(id) of '\(model)' has \(component.rawValue) above \(TokenPrice.maximumPerMillion) dollars, "
                                  + "the most RouteLedger can charge exactly")
            }
            components[component] = MicroUSD(microunits: units)
        }
        guard let tokenPrice = TokenPrice(components: components) else {
            throw LedgerError("price row \(id) of '\(model)' has no input or output rate")
        }
        self.init(id: id, model: model, tokenPrice: tokenPrice, effectiveFrom: try row.decode(column: "effective_from"))
    }
}
