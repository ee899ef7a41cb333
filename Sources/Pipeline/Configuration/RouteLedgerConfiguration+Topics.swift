import Kafka

extension RouteLedgerConfiguration {
    /// Every topic a stage reads or writes, by its setting, except the per-model decision topics.
    public var namedTopics: [(setting: String, name: String)] {
        [("topics.queries", topics.queries), ("topics.decisions", topics.decisions), ("topics.deadletter", topics.deadLetter),
         ("topics.usage", topics.usage), ("topics.votes", topics.votes), ("topics.thresholds", topics.thresholds)]
    }

    /// The models a decision can choose, each with a topic of its own (`topics.route(for:)`).
    public var routedModels: [String] { [routing.strong] + routing.cheaper }

    /// Every topic the configuration names, the per-model decision topics too: what an embedded
    /// broker creates.
    public var allTopics: [String] { namedTopics.map(\.name) + routedModels.map(topics.route(for:)) }

    /// Kafka's rules for topic names, checked at start: a name the broker refuses would
    /// otherwise fail the stage's session at its first subscribe or produce, again and again.
    func topicNameProblems() -> [String] {
        var problems = namedTopics.compactMap { setting, name in KafkaTopicName.problem(with: name).map { "\(setting): \($0)" } }
        if topics.routePrefix.isEmpty { problems.append("topics.route_prefix: must not be empty") }
        for model in routedModels where !model.isEmpty && !topics.routePrefix.isEmpty {
            if let problem = KafkaTopicName.problem(with: topics.route(for: model)) {
                problems.append("models: '\(model)' cannot name a decision topic (topics.route_prefix + the model's name): \(problem)")
            }
        }
        return problems
    }
}
