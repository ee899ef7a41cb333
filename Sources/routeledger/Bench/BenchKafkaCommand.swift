import Foundation
import Kafka

/// `routeledger bench kafka`: messages per second through the embedded broker, plain and in
/// transactions, produced and consumed.
enum BenchKafkaCommand: Command {
    static let name = "kafka"
    static let summary = "time producing and consuming through the embedded broker"
    static let discussion = """
        Starts an embedded broker, produces --messages records of --size bytes with the
        idempotent producer (the baseline), then the same number in transactions of --batch
        records, then consumes the first set in batches of --batch. Prints messages per second
        of each and the ratios of transactional producing and of consuming to the baseline.
        The embedded broker keeps at most 5 MiB per partition, so the total is bounded by
        --partitions × 4 MiB.
        """
    static let options: [Option] = [
        .value("messages", "N", "Records per phase (default 100000)."),
        .value("size", "BYTES", "Value size (default 100)."),
        .value("batch", "N", "Records per transaction and per poll (default 500)."),
        .value("partitions", "N", "Partitions of the topics (default 6)."),
        .flag("json", "Print one JSON object instead of text."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let count = try arguments.int("messages", range: 1...10_000_000) ?? 100_000
        let size = try arguments.int("size", range: 0...1_000_000) ?? 100
        let batch = try arguments.int("batch", range: 1...100_000) ?? 500
        let partitions = try arguments.int("partitions", range: 1...1_000) ?? 6
        // Leave room for record overhead below the mock's 5 MiB per partition.
        guard (size + 64) * count <= partitions * 4 * 1_048_576 else {
            throw UsageError("--messages × --size exceeds what the embedded broker keeps (--partitions × 4 MiB); raise --partitions")
        }
        let broker = try EmbeddedBroker(partitions: partitions, topics: ["bench.plain", "bench.transactional"])
        let value = Data(repeating: 0x61, count: size)
        let keys = (0..<1_024).map { Data("key-\($0)".utf8) }

        var plainConfiguration = KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers)
        plainConfiguration.properties = EmbeddedBroker.producerProperties
        let plain = try KafkaProducer(configuration: plainConfiguration)
        let plainRate = try timed(count) {
            for index in 0..<count { try plain.send(topic: "bench.plain", key: keys[index % keys.count], value: value) }
            try plain.flush(timeout: .seconds(300)).requireDelivered()
        }

        var transactionalConfiguration = plainConfiguration
        transactionalConfiguration.transactionalID = "bench"
        let transactional = try KafkaProducer(configuration: transactionalConfiguration)
        try transactional.initTransactions(timeout: .seconds(30))
        // One transaction before the clock starts: the first pays for topic metadata (about 1 s).
        try transactional.beginTransaction()
        try transactional.send(topic: "bench.transactional", value: value)
        try transactional.commitTransaction(timeout: .seconds(60))
        let transactionalRate = try timed(count) {
            for start in stride(from: 0, to: count, by: batch) {
                try transactional.beginTransaction()
                for index in start..<min(start + batch, count) {
                    try transactional.send(topic: "bench.transactional", key: keys[index % keys.count], value: value)
                }
                try transactional.commitTransaction(timeout: .seconds(60))
            }
            try transactional.flush(timeout: .seconds(60)).requireDelivered()
        }

        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: broker.bootstrapServers, groupID: "bench")
        consumerConfiguration.sessionTimeout = .seconds(4)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration)
        try consumer.subscribe(topics: ["bench.plain"])
        // The clock starts at the first record: joining the group is not consuming.
        var consumed = try consumer.poll(count: 1, within: .seconds(30)).count
        let consumeRate = try timed(count - consumed) {
            let deadline = ContinuousClock.now + .seconds(300)
            while consumed < count, ContinuousClock.now < deadline {
                let records = try consumer.poll(maxMessages: batch, timeout: .seconds(1))
                consumed += records.count
                try consumer.commit(KafkaTopicPartitionOffset.committing(records))
            }
        }
        try consumer.close()
        guard consumed == count else {
            throw CommandFailure("consumed \(consumed) of \(count) records")
        }

        printFigures([
            ("messages", count),
            ("value_bytes", size),
            ("batch", batch),
            ("produce_messages_per_second", plainRate),
            ("transactional_produce_messages_per_second", transactionalRate),
            ("transactional_to_plain_ratio", transactionalRate / plainRate),
            ("consume_messages_per_second", consumeRate),
            ("consume_to_produce_ratio", consumeRate / plainRate),
        ], json: arguments.flag("json"))
        return 0
    }

    /// `count` divided by the seconds `body` takes.
    private static func timed(_ count: Int, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let started = clock.now
        try body()
        return Double(count) / max((clock.now - started).seconds, 1e-9)
    }
}
