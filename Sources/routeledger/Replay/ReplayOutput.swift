import Foundation
import Ledger

/// A replay report as a table, CSV (the per-day comparison) or JSON (all of it). Money is exact
/// decimal dollars; nothing in it depends on when it was written, so a replay's report is the
/// same bytes every time.
struct ReplayOutput {
    let report: ReplayReport

    private static let dayColumns = ["tenant", "day", "requests", "changed", "actual_cost_usd", "replay_cost_usd", "actual_savings_usd",
                                     "replay_savings_usd", "actual_strong", "replay_strong"]

    private var dayRows: [[String]] {
        report.days.map { day in
            [day.tenant, day.day, String(day.replayed.requests), String(day.changed), day.actual.cost.description,
             day.replayed.cost.description, day.actual.savings.description, day.replayed.savings.description,
             String(day.actual.strong), String(day.replayed.strong)]
        }
    }

    func render(_ format: String) -> String {
        switch format {
        case "csv": return CSVText.document([Self.dayColumns] + dayRows)
        case "json": return json
        default: return table
        }
    }

    private var table: String {
        var text = "replay \(report.id) (\(report.kind)) \(report.parametersJSON)\n\n"
        text += TextTable(header: Self.dayColumns, rows: dayRows, textColumns: 2).text + "\n"
        text += TextTable(header: ["tenant", "model", "actual_requests", "replay_requests", "actual_cost_usd", "replay_cost_usd"],
                          rows: report.models.map { model in
                              [model.tenant, model.model, String(model.actualRequests), String(model.replayedRequests),
                               model.actualCost.description, model.replayedCost.description]
                          }, textColumns: 2).text
        text += "\nquality from the traffic's votes (score: 1 a win, 0.5 a tie, 0 a loss or both bad):\n"
        text += TextTable(header: ["tenant", "actual_voted", "actual_score", "replay_voted", "replay_score", "head_to_head",
                                   "replay_won", "actual_won"],
                          rows: report.quality.map { quality in
                              [quality.tenant, String(quality.actualVoted), quality.actualScore ?? "-", String(quality.replayedVoted),
                               quality.replayedScore ?? "-", String(quality.headToHead), String(quality.replayedWon), String(quality.actualWon)]
                          }, textColumns: 1).text
        let shown = report.changes.prefix(Self.changesShown)
        text += "\n\(report.changes.count) queries decided differently" + (report.changes.count > shown.count ? ", the first \(shown.count):" : ":") + "\n"
        if !shown.isEmpty {
            text += TextTable(header: ["tenant", "query", "day", "actual_model", "replay_model", "actual_cost_usd", "replay_cost_usd"],
                              rows: shown.map { change in
                                  [change.tenant, change.queryID, change.day, change.actualModel ?? "(not billed)", change.replayedModel,
                                   change.actualCost?.description ?? "", change.replayedCost.description]
                              }, textColumns: 5).text
        }
        return text
    }

    /// The table lists this many changed decisions; JSON lists them all.
    private static let changesShown = 20

    private var json: String {
        func side(_ side: ReplayReport.Side) -> [String: Any] {
            ["requests": side.requests, "strong": side.strong, "cost_usd": side.cost.description, "savings_usd": side.savings.description]
        }
        let document: [String: Any] = [
            "replay": report.id, "kind": report.kind,
            "parameters": (try? JSONSerialization.jsonObject(with: Data(report.parametersJSON.utf8))) ?? [:],
            "days": report.days.map { day in
                ["tenant": day.tenant, "day": day.day, "changed": day.changed, "actual": side(day.actual), "replay": side(day.replayed)]
            },
            "models": report.models.map { model in
                ["tenant": model.tenant, "model": model.model, "actual_requests": model.actualRequests,
                 "replay_requests": model.replayedRequests, "actual_cost_usd": model.actualCost.description,
                 "replay_cost_usd": model.replayedCost.description]
            },
            "quality": report.quality.map { quality in
                ["tenant": quality.tenant,
                 "actual": ["voted": quality.actualVoted, "score": quality.actualScore ?? NSNull()] as [String: Any],
                 "replay": ["voted": quality.replayedVoted, "score": quality.replayedScore ?? NSNull()] as [String: Any],
                 "head_to_head": ["queries": quality.headToHead, "replay_won": quality.replayedWon, "actual_won": quality.actualWon]]
            },
            "changed": report.changes.map { change in
                ["tenant": change.tenant, "query_id": change.queryID, "day": change.day, "actual_model": change.actualModel ?? NSNull(),
                 "replay_model": change.replayedModel, "actual_cost_usd": change.actualCost?.description ?? NSNull(),
                 "replay_cost_usd": change.replayedCost.description] as [String: Any]
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
