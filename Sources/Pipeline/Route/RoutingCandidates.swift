import Ledger

extension RouteLedgerConfiguration {
    /// The models a query may be routed to, cheapest first (by input plus output price per
    /// million tokens); the last is the reference (strong) model.
    public var routingCandidates: [String] {
        let prices = Dictionary(models.map { ($0.name, $0.price) }, uniquingKeysWith: { first, _ in first })
        return routing.cheaper.sorted { Self.blendedPrice(prices[$0]) < Self.blendedPrice(prices[$1]) } + [routing.strong]
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
