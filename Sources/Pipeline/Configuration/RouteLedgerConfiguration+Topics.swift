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
    /// Escaping leaves a derived topic one way to be refused, its length.
    func topicNameProblems() -> [String] {
        var problems = namedTopics.compactMap { setting, name in KafkaTopicName.problem(with: name).map { "\(setting): \($0)" } }
        if topics.routePrefix.isEmpty { problems.append("topics.route_prefix: must not be empty") }
        let decided = Set(routedModels)
        var owner = Dictionary(namedTopics.map { ($0.name, "the topic of \($0.setting)") }, uniquingKeysWith: { first, _ in first })
        for model in models.map(\.name) where decided.contains(model) || topics.modelTopics[model] != nil {
            let topic = topics.route(for: model)
            let ownTopic = topics.modelTopics[model] != nil
            let origin = ownTopic ? "its topic setting" : "topics.route_prefix + its escaped name"
            // An empty prefix is reported once, above.
            if ownTopic || !topics.routePrefix.isEmpty, let problem = KafkaTopicName.problem(with: topic) {
                problems.append("models: '\(model)' cannot name a decision topic (\(origin)): \(problem)"
                                + (ownTopic ? "" : "; give the model a shorter \"topic\""))
            }
            if let other = owner[topic] {
                problems.append("models: the decision topic '\(topic)' of '\(model)' (\(origin)) is already \(other)")
            }
            owner[topic] = owner[topic] ?? "the decision topic of '\(model)'"
        }
        return problems
    }
}
