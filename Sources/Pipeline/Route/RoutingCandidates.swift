import Ledger

extension RouteLedgerConfiguration {
    /// The models a query may be routed to, cheapest first (by input plus output price per
    /// million tokens); the last is the reference (strong) model.
    public var routingCandidates: [String] {
        let prices = Dictionary(models.map { ($0.name, $0.price) }, uniquingKeysWith: { first, _ in first })
        return Self.cheapestFirst(routing.cheaper, prices: prices) + [routing.strong]
    }

    /// Models by input plus output price per million tokens, the cheapest first (a model without
    /// a price last); of equal prices, in the order given.
    public static func cheapestFirst(_ models: [String], prices: [String: TokenPrice]) -> [String] {
        models.enumerated().sorted { (blendedPrice(prices[$0.element]), $0.offset) < (blendedPrice(prices[$1.element]), $1.offset) }.map(\.element)
    }

    /// The two models the router decides between: the reference and the cheapest candidate.
    /// Its threshold is calibrated on the one's win rate over the other, so a ratings version
    /// that puts both in one tier leaves every query at a win rate of exactly 0.5.
    public var routingPair: (strong: String, weak: String) {
        let candidates = routingCandidates
        return (candidates[candidates.count - 1], candidates[0])
    }

    private static func blendedPrice(_ price: TokenPrice?) -> Int64 {
        guard let price else { return .max }
        return price.inputPerMillion.microunits + price.outputPerMillion.microunits
    }
}
