import Ledger
import Postgres

/// `routeledger prices set`: a new price of a model, from a time on, as a price administrator.
enum PricesSetCommand: Command {
    static let name = "set"
    static let summary = "add a model's price from a time on (price administrators only)"
    static let discussion = """
        Adds a row to the price history: MODEL costs --input and --output dollars per million
        tokens from --from on (default now). Where the provider bills them apart, --cached-input
        prices the input tokens read from its cache and --reasoning the reasoning tokens (each
        part of the input or output tokens; without the option they cost the input or output
        rate), and --per-request adds a fee to every request. Prices are history: a row is never
        changed or deleted, and a new one takes effect after every earlier row of its model and
        not before now, since decisions already made were charged the price then in effect (a
        model's first price may take effect at any time, or --from always). The ledger stage and
        a route stage with a database read the history as it grows, without a restart: decisions
        made from --from on are estimated and charged at the new price.
        Needs a role that may add prices: PREFIXprice_admin (or the schema's owner); the writer
        role the stages use may not.
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("model", "NAME", "The model (required)."),
        .value("input", "USD", "Dollars per million input tokens, up to six decimals (required)."),
        .value("output", "USD", "Dollars per million output tokens, up to six decimals (required)."),
        .value("cached-input", "USD", "Dollars per million cached input tokens (default: the --input rate)."),
        .value("reasoning", "USD", "Dollars per million reasoning tokens (default: the --output rate)."),
        .value("per-request", "USD", "Dollars per request, added once to each request's cost (default 0)."),
        .value("from", "TIME", "In effect from this time: 2026-12-01 (UTC midnight), an RFC 3339 timestamp, or 'always' (default now)."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let model = try arguments.requiredString("model")
        let price = TokenPrice(inputPerMillion: try requiredDollars(arguments, "input"),
                               outputPerMillion: try requiredDollars(arguments, "output"),
                               cachedInputPerMillion: try dollars(arguments, "cached-input"),
                               reasoningPerMillion: try dollars(arguments, "reasoning"),
                               perRequest: try dollars(arguments, "per-request") ?? .zero)
        let from = arguments.string("from") == "always" ? PostgresTimestamp.negativeInfinity : try TimeOption.value(arguments, "from")
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 0)
        guard try PriceBook.mayAddPrices(on: connection) else {
            throw CommandFailure("the role of this connection may not add prices: connect as a member of the price_admin role")
        }
        let added: Price
        do {
            added = try PriceBook.set(model, to: price, from: from, on: connection)
        } catch let error as LedgerError {
            throw CommandFailure(error.description)
        }
        print("price row \(added.id): \(model) at \(added.tokenPrice) from \(added.effectiveFrom)")
        return 0
    }

    private static func requiredDollars(_ arguments: ParsedArguments, _ option: String) throws -> MicroUSD {
        _ = try arguments.requiredString(option)  // refuses the option's absence by its name
        return try dollars(arguments, option)!
    }

    /// The amount `--option` gives, nil when it is not given.
    private static func dollars(_ arguments: ParsedArguments, _ option: String) throws -> MicroUSD? {
        guard let text = arguments.string(option) else { return nil }
        guard let amount = MicroUSD(dollars: text), TokenPrice.allowedAmounts.contains(amount) else {
            throw UsageError("option '--\(option)': '\(text)' is not an amount of dollars between 0 and \(TokenPrice.maximumPerMillion) "
                             + "with at most six decimals")
        }
        return amount
    }
}
