import Ledger

/// `routeledger prices import`: the run configuration's model prices into the price history.
enum PricesImportCommand: Command {
    static let name = "import"
    static let summary = "add the configuration's model prices to the price history (price administrators only)"
    static let discussion = """
        Makes the price history agree with the `models` of --config, every component of their
        prices included (cached input and reasoning rates, per-request fee): a model without any
        price gets its configured one in effect since always, a model whose price in effect now
        differs in any component gets the configured one from now on, the others nothing. History is never
        changed. A ledger stage whose role may add prices does the same when it starts; the
        writer role may not, so a deployment whose stages connect as the writer runs this (or
        `prices set`) as a price administrator after `migrate` and after every price change.
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("config", "FILE", "The run configuration whose models' prices to add (required)."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let configuration = try ConfigurationOption.load(try arguments.requiredString("config"))
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 10)
        guard try PriceBook.mayAddPrices(on: connection) else {
            throw CommandFailure("the role of this connection may not add prices: connect as a member of the price_admin role")
        }
        let added = try PriceBook.record(configured: configuration.models.map { ($0.name, $0.price) }, on: connection)
        for price in added {
            print("price row \(price.id): \(price.model) at \(price.tokenPrice) from \(price.effectiveFrom)")
        }
        print("prices: \(added.count) added, \(configuration.models.count - added.count) already in effect")
        return 0
    }
}
