import Postgres

/// One row of the `prices` table: a model's token price from `effectiveFrom` until the model's
/// next row. Rows are never changed, so the price id on a ledger row names exactly the price
/// the row was charged at.
public struct Price: Sendable, Hashable {
    public let id: Int64
    public let model: String
    public let tokenPrice: TokenPrice
    public let effectiveFrom: PostgresTimestamp

    public init(id: Int64, model: String, tokenPrice: TokenPrice, effectiveFrom: PostgresTimestamp) {
        self.id = id
        self.model = model
        self.tokenPrice = tokenPrice
        self.effectiveFrom = effectiveFrom
    }
}
