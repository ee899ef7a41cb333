import Foundation
import Ledger
import Postgres

/// Price rows as a table or JSON: per row its id, model, dollars per million input and output
/// tokens (exact decimals) and when it takes effect.
struct PriceRowsOutput {
    let prices: [Price]

    static let formatOption = Option.value("format", "table|json", "Output format (default table).")

    func render(_ format: String) -> String {
        format == "json" ? json : table
    }

    /// Runs a listing command: connects, loads the price book, prints the rows `select` picks
    /// from it in the `--format` asked for.
    static func print(_ arguments: ParsedArguments, select: (PriceBook, PostgresConnection) throws -> [Price]) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let format = try arguments.choice("format", from: ["table", "json"]) ?? "table"
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 0)
        let rows = try select(try PriceBook.load(from: connection), connection)
        Swift.print(PriceRowsOutput(prices: rows).render(format), terminator: "")
        return 0
    }

    private var table: String {
        let rows = prices.map { [$0.model, String($0.id), $0.tokenPrice.inputPerMillion.description,
                                 $0.tokenPrice.outputPerMillion.description, $0.effectiveFrom.description] }
        return TextTable(header: ["model", "price_id", "input_usd_per_million", "output_usd_per_million", "effective_from"],
                         rows: rows, textColumns: 1).text
    }

    private var json: String {
        let objects: [[String: Any]] = prices.map {
            ["model": $0.model, "price_id": $0.id, "input_usd_per_million": $0.tokenPrice.inputPerMillion.description,
             "output_usd_per_million": $0.tokenPrice.outputPerMillion.description, "effective_from": $0.effectiveFrom.description]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["prices": objects], options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
