import Foundation
import Kafka
import Ledger
import Pipeline
import Ranking

/// Simulated LLM workers and users: the workers read each model's route topic, "answer" and
/// report usage with plausible token counts; one user in ten votes on the two models' answers,
/// from the query's ground truth. Every 20th vote is sent malformed, to show the learn stage's
/// dead letters.
final class DemoWorkers {
    struct Outcome {
        var decisions: [RoutingDecision] = []
        /// Usage reports sent, and the tokens each decision's answer took.
        var usage: [String: (input: Int64, output: Int64)] = [:]
        var votes = 0
        var malformedVotes = 0

        /// What the answers cost at the configured prices, and what they would have cost on the
        /// reference (strong) model: the sums the ledger must reach too.
        func costs(_ configuration: RouteLedgerConfiguration) -> (cost: MicroUSD, reference: MicroUSD) {
            let prices = Dictionary(uniqueKeysWithValues: configuration.models.map { ($0.name, $0.price) })
            var cost = MicroUSD.zero
            var reference = MicroUSD.zero
            for decision in decisions {
                guard let tokens = usage[decision.queryID], let chosen = prices[decision.model],
                      let strong = prices[configuration.routing.strong] else { continue }
                cost = cost + chosen.cost(inputTokens: tokens.input, outputTokens: tokens.output)
                reference = reference + strong.cost(inputTokens: tokens.input, outputTokens: tokens.output)
            }
            return (cost, reference)
        }
    }

    private let configuration: RouteLedgerConfiguration
    private let workers: KafkaConsumer
    private let reporter: KafkaProducer
    private var generator = SeededGenerator(seed: 7)
    /// Votes sent so far, malformed ones included: every 20th is malformed.
    private var votesSent = 0

    init(configuration: RouteLedgerConfiguration) throws {
        self.configuration = configuration
        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers, groupID: "demo-workers")
        consumerConfiguration.sessionTimeout = .seconds(4)
        workers = try KafkaConsumer(configuration: consumerConfiguration)
        try workers.subscribe(topics: [configuration.routing.strong, configuration.routing.cheaper[0]].map(configuration.topics.route(for:)))
        reporter = try KafkaProducer(configuration: configuration.kafkaProducer())
    }

    deinit {
        try? workers.close()
    }

    /// Answers routed queries until every one of `queries` is answered.
    func answer(_ queries: [String: DemoQuery], progress: ProgressBar) throws -> Outcome {
        var outcome = Outcome()
        let deadline = ContinuousClock.now + .seconds(1_800)
        let now = ISO8601DateFormatter().string(from: Date())
        while outcome.decisions.count < queries.count, ContinuousClock.now < deadline {
            for message in try workers.poll(maxMessages: 500, timeout: .milliseconds(200)) {
                guard let routed = try JSONSerialization.jsonObject(with: message.value) as? [String: Any],
                      let decisionObject = routed["routeledger"],
                      let decision = try? JSONDecoder().decode(RoutingDecision.self, from: JSONSerialization.data(withJSONObject: decisionObject)),
                      let query = queries[decision.queryID], outcome.usage[decision.queryID] == nil else { continue }
                outcome.decisions.append(decision)
                let tokens = (input: decision.estimatedInputTokens + Int64.random(in: 0...6, using: &generator), output: Int64(query.outputTokens))
                outcome.usage[decision.queryID] = tokens
                let usage: [String: Any] = ["schema": "routeledger.usage.v1", "query_id": decision.queryID, "tenant": decision.tenant,
                                            "model": decision.model, "decision_id": decision.decisionID,
                                            "input_tokens": tokens.input, "output_tokens": tokens.output, "completed_at": now]
                try reporter.send(topic: configuration.topics.usage, key: Data(decision.tenant.utf8),
                                  value: try JSONSerialization.data(withJSONObject: usage))
                if Double.random(in: 0..<1, using: &generator) < 0.1 {
                    var vote: [String: Any] = ["schema": "routeledger.vote.v1", "vote_id": "vote-\(decision.queryID)",
                                               "query_id": decision.queryID, "prompt": query.prompt,
                                               "model_a": configuration.routing.strong, "model_b": configuration.routing.cheaper[0],
                                               "winner": query.winner.label, "voter": "user-\(outcome.votes % 17)", "cast_at": now]
                    votesSent += 1
                    if votesSent % 20 == 0 {
                        vote["winner"] = nil
                        outcome.malformedVotes += 1
                    } else {
                        outcome.votes += 1
                    }
                    try reporter.send(topic: configuration.topics.votes, key: Data(decision.queryID.utf8),
                                      value: try JSONSerialization.data(withJSONObject: vote))
                }
            }
            progress.update(done: outcome.decisions.count, total: queries.count)
        }
        try reporter.flush(timeout: .seconds(60)).requireDelivered()
        guard outcome.decisions.count == queries.count else {
            throw CommandFailure("only \(outcome.decisions.count) of \(queries.count) queries were routed in time")
        }
        return outcome
    }
}
