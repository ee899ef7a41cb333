import Foundation
import Ledger
import Pipeline

/// What the demo prints at the end: totals from the decisions, and per topic the share sent to
/// the strong model beside the topic's ground truth.
struct DemoSummary {
    let decisions: [RoutingDecision]
    let topicOfQuery: [String: String]
    let deadLetters: Int
    let usageReports: Int
    let votes: Int

    func print(json: Bool) {
        let strong = decisions.filter { $0.model == $0.referenceModel }
        let cost = decisions.reduce(Int64(0)) { $0 + $1.estimatedCostMicroUSD }
        let reference = decisions.reduce(Int64(0)) { $0 + $1.referenceCostMicroUSD }
        var figures: [(String, Any)] = [
            ("requests", decisions.count),
            ("dead_lettered", deadLetters),
            ("strong_share", Double(strong.count) / Double(max(decisions.count, 1))),
            ("estimated_cost_usd", MicroUSD(microunits: cost).description),
            ("strong_only_cost_usd", MicroUSD(microunits: reference).description),
            ("estimated_savings_usd", MicroUSD(microunits: reference - cost).description),
            ("savings_percent", reference == 0 ? 0 : Double(reference - cost) / Double(reference) * 100),
            ("usage_reports", usageReports),
            ("votes", votes),
        ]
        for topic in SyntheticWorkload.topics {
            let inTopic = decisions.filter { topicOfQuery[$0.queryID] == topic.name }
            let share = Double(inTopic.count { $0.model == $0.referenceModel }) / Double(max(inTopic.count, 1))
            figures.append(("topic_\(topic.name)_strong_share", share))
            figures.append(("topic_\(topic.name)_truth_strong_win_rate", topic.strongWinRate))
        }
        printFigures(figures, json: json)
    }
}
