import Ledger
import Postgres

/// `routeledger prices list`: the price of every model in effect at a time.
enum PricesListCommand: Command {
    static let name = "list"
    static let summary = "the price of each model in effect now (or at --at)"
    static let options: [Option] = [
        DatabaseOption.option,
        .value("at", "TIME", "In effect at this time: 2026-12-01 (UTC midnight) or an RFC 3339 timestamp (default now)."),
        PriceRowsOutput.formatOption,
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        try PriceRowsOutput.print(arguments) { book, connection in
            let at = try TimeOption.value(arguments, "at") ?? PriceBook.currentTime(on: connection)
            return book.models.compactMap { book.price(of: $0, at: at) }
        }
    }
}

/// `routeledger prices history`: every price row, of one model or all, as they took effect.
enum PricesHistoryCommand: Command {
    static let name = "history"
    static let summary = "every price row, earliest first per model"
    static let options: [Option] = [
        DatabaseOption.option,
        .value("model", "NAME", "Only this model's rows."),
        PriceRowsOutput.formatOption,
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        try PriceRowsOutput.print(arguments) { book, _ in
            (arguments.string("model").map { [$0] } ?? book.models).flatMap { book.history(of: $0) }
        }
    }
}
