import Foundation
import Ledger
import Postgres

/// Price rows as a table or JSON: per row its id, model, every price component (exact
/// decimals; a cached input or reasoning rate the row does not set is `-`, or null in JSON)
/// and when it takes effect.
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
        // A cached input or reasoning rate the row does not set is `-`: those tokens cost the input or output rate.
        let rows = prices.map { price in
            [price.model, String(price.id)] + PriceComponent.allCases.map { price.tokenPrice[$0]?.description ?? "-" }
                + [price.effectiveFrom.description]
        }
        return TextTable(header: ["model", "price_id"] + PriceComponent.allCases.map(\.rawValue) + ["effective_from"],
                         rows: rows, textColumns: 1).text
    }

    private var json: String {
        let objects: [[String: Any]] = prices.map { price in
            var object: [String: Any] = ["model": price.model, "price_id": price.id, "effective_from": price.effectiveFrom.description]
            for component in PriceComponent.allCases {
                object[component.rawValue] = price.tokenPrice[component]?.description ?? NSNull()
            }
            return object
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["prices": objects], options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
