import Foundation
import Kafka
import Pipeline
import Streams

/// `routeledger broker`: a Kafka-protocol broker in this process (librdkafka's mock cluster)
/// with RouteLedger's topics, for the quick start and for tests of the whole pipeline.
enum BrokerCommand: Command {
    static let name = "broker"
    static let summary = "run an embedded Kafka-protocol broker with RouteLedger's topics until stopped"
    static let discussion = """
        Starts librdkafka's mock cluster on loopback ports, creates the topics, prints the
        bootstrap address on standard output (and writes it to --bootstrap-file), and runs until
        SIGINT or SIGTERM. Records live in memory only and are gone when it stops.
        Limits: no transaction isolation (aborted records stay visible, offsets sent in a
        transaction are not stored); at most 5 MiB or 100,000 batches per partition, oldest
        dropped; group joins wait the consumers' session.timeout.ms.
        Default topics: \(defaultTopics(models: defaultModels).joined(separator: ", ")).
        """
    static let options: [Option] = [
        .value("partitions", "N", "Partitions per topic (default 3)."),
        .value("brokers", "N", "Brokers in the cluster (default 1)."),
        .value("topics", "LIST", "Comma-separated topics to create instead of the defaults; repeatable.", repeatable: true),
        .value("models", "LIST", "Models whose llm.route.<model> topics (named as routeledger run names them, escaped) are among the defaults (default \(defaultModels.joined(separator: ",")))."),
        .value("bootstrap-file", "PATH", "Also write the bootstrap address to this file (removed on exit)."),
    ]

    static let defaultModels = ["gpt-4-1106-preview", "mixtral-8x7b-instruct-v0.1"]

    static func defaultTopics(models: [String]) -> [String] {
        ["llm.queries"] + models.map(RouteLedgerConfiguration().topics.route(for:))
            + ["llm.decisions", "llm.deadletter", "llm.usage", "llm.votes", "llm.thresholds"]
    }

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let partitions = try arguments.int("partitions", range: 1...10_000) ?? 3
        let brokers = try arguments.int("brokers", range: 1...16) ?? 1
        let topics = try topicList(arguments)
        let bootstrapFile = arguments.string("bootstrap-file").map { URL(fileURLWithPath: $0) }

        // Listen before starting, so a stop asked for during start-up is not lost.
        let shutdown = ShutdownSignal()
        let broker = try EmbeddedBroker(brokers: brokers, partitions: partitions, topics: topics)
        if let bootstrapFile {
            do {
                // Written whole, then renamed: a reader polling for the file never sees half of it.
                try Data((broker.bootstrapServers + "\n").utf8).write(to: bootstrapFile, options: .atomic)
            } catch {
                throw CommandFailure("cannot write the bootstrap file \(bootstrapFile.path): \(error.localizedDescription)")
            }
        }
        print(broker.bootstrapServers)
        fflush(nil)  // a parent reading the address from a pipe gets it now
        printStandardError("routeledger broker: \(topics.count) topics × \(partitions) partitions on \(broker.bootstrapServers); stop with SIGINT or SIGTERM\n")

        shutdown.wait()
        printStandardError("routeledger broker: stopping (\(shutdown.reason ?? "requested"))\n")
        if let bootstrapFile { try? FileManager.default.removeItem(at: bootstrapFile) }
        return 0
    }

    private static func topicList(_ arguments: ParsedArguments) throws -> [String] {
        let listed = arguments.strings("topics").flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        let models = arguments.string("models").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if !listed.isEmpty, models != nil {
            throw UsageError("option '--models' shapes the default topics; with '--topics', list the llm.route.<model> topics yourself")
        }
        let topics = listed.isEmpty ? defaultTopics(models: models ?? defaultModels) : listed
        for topic in topics {
            if let problem = KafkaTopicName.problem(with: topic) {
                throw UsageError("option '--\(listed.isEmpty ? "models" : "topics")': \(problem)")
            }
        }
        var seen = Set<String>()
        return topics.filter { seen.insert($0).inserted }
    }
}
