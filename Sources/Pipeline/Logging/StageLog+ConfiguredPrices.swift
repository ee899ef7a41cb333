import Ledger

extension StageLog {
    /// What a stage that reads the price book says of a configured price the book does not hold
    /// in effect: the book's price is the one used (`consequence` says by whom), and
    /// `routeledger prices set` changes it.
    func configuredPriceDiffers(model: String, configured: TokenPrice, priceBook: TokenPrice?, consequence: String) {
        self(.warning, "the configured price is not the price book's; \(consequence) (routeledger prices set changes it)",
             ["model": model, "configured": configured.description, "price_book": priceBook?.description ?? "none"])
    }
}
