import Kafka

/// `--topic T` of `produce` and `tail`: required, and a name Kafka accepts.
enum TopicOption {
    static func option(_ help: String) -> Option {
        .value("topic", "T", help)
    }

    static func value(_ arguments: ParsedArguments) throws -> String {
        let topic = try arguments.requiredString("topic")
        if let problem = KafkaTopicName.problem(with: topic) { throw UsageError("option '--topic': \(problem)") }
        return topic
    }
}
