import Foundation
import Ledger

/// An audit report as a table, CSV or JSON. Money is written from micro-units as exact decimal
/// dollars; savings % from the ledger's own rounding (hundredths, half to even).
struct AuditOutput {
    let report: AuditReport

    private static let figureColumns = ["requests", "with_usage", "input_tokens", "output_tokens", "cost_usd", "reference_cost_usd",
                                        "savings_usd", "savings_percent"]

    private var header: [String] { report.groupBy.map(\.name) + Self.figureColumns }

    private static func figures(_ totals: AuditTotals) -> [String] {
        [String(totals.requests), String(totals.requestsWithUsage), String(totals.inputTokens), String(totals.outputTokens),
         totals.cost.description, totals.referenceCost.description, totals.savings.description, totals.savingsPercentText ?? ""]
    }

    private var lines: [[String]] {
        report.rows.map { $0.keys + Self.figures($0.totals) }
    }

    func render(_ format: String) -> String {
        switch format {
        case "csv": return csv
        case "json": return json
        default: return table
        }
    }

    private var table: String {
        let total = (report.groupBy.isEmpty ? [] : ["TOTAL"] + Array(repeating: "", count: report.groupBy.count - 1))
            + Self.figures(report.total)
        let rows = [header] + lines + (report.groupBy.isEmpty || report.rows.isEmpty ? [] : [total])
        let rowsShown = report.groupBy.isEmpty ? [header, total] : rows
        var text = TextTable(header: rowsShown[0], rows: Array(rowsShown.dropFirst()), textColumns: report.groupBy.count).text
        text += "(\(report.rows.count) group\(report.rows.count == 1 ? "" : "s"), summed from the \(report.source == .rollups ? "daily rollups" : "ledger rows"))\n"
        return text
    }

    private var csv: String { CSVText.document([header] + lines) }

    private var json: String {
        func object(_ keys: [String], _ totals: AuditTotals) -> [String: Any] {
            var object: [String: Any] = [
                "requests": totals.requests, "requests_with_usage": totals.requestsWithUsage,
                "input_tokens": totals.inputTokens, "output_tokens": totals.outputTokens,
                "cost_usd": totals.cost.description, "reference_cost_usd": totals.referenceCost.description,
                "savings_usd": totals.savings.description,
            ]
            object["savings_percent"] = totals.savingsPercentText ?? NSNull()
            for (grouping, key) in zip(report.groupBy, keys) { object[grouping.name] = key }
            return object
        }
        let document: [String: Any] = [
            "group_by": report.groupBy.map(\.name), "source": report.source.rawValue,
            "rows": report.rows.map { object($0.keys, $0.totals) }, "total": object([], report.total),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
