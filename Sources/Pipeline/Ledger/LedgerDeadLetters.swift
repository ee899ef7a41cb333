import Foundation
import Kafka
import Streams

/// The ledger stage's dead letters as the dead-letter topic holds them, read from the topic's
/// start to its end as it was when reading began, in a consumer group of its own (nothing is
/// committed): what `ledger retry-deadletters` heals and `audit reconcile` tells apart from
/// decisions that are simply missing.
public struct LedgerDeadLetters: Sendable {
    public struct Letter: Sendable {
        /// Where the letter itself is, on the dead-letter topic.
        public let position: RecordPosition
        public let record: DeadLetterRecord
    }

    public let letters: [Letter]
    /// False when the topic's end was not reached within the time given.
    public let complete: Bool

    /// The letters whose refused record is at `source`, latest last (a record refused again
    /// after a restart has one letter per refusal).
    public func letters(for source: RecordPosition) -> [Letter] {
        letters.filter { $0.record.source == source }
    }

    public static func read(configuration: RouteLedgerConfiguration, within timeout: Duration) throws -> LedgerDeadLetters {
        let topic = configuration.topics.deadLetter
        let consumer = try KafkaConsumer(configuration: configuration.kafkaConsumer(group: "routeledger-deadletters-\(UUID().uuidString.prefix(8))"))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic]) { partitions in
            partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: .beginning) }
        }
        let decoder = JSONDecoder()
        var letters: [Letter] = []
        var reached: [TopicPartition: Int64] = [:]
        var ends: [TopicPartition: Int64]?
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for message in try consumer.poll(maxMessages: 5_000, timeout: .milliseconds(200)) {
                let position = RecordPosition(message)
                reached[position.topicPartition] = position.offset + 1
                // Another stage's letters, and anything that is not a letter, are not the ledger's to heal.
                guard let record = try? decoder.decode(DeadLetterRecord.self, from: message.value), record.stage == "ledger" else { continue }
                letters.append(Letter(position: position, record: record))
            }
            if ends == nil {
                let lags = try consumer.lag(timeout: .seconds(10)).filter { $0.end.isConcrete }
                if !lags.isEmpty {
                    ends = Dictionary(lags.map { (TopicPartition(topic: $0.topic, partition: $0.partition.rawValue), $0.end.rawValue) },
                                      uniquingKeysWith: max)
                }
            }
            if let ends, ends.allSatisfy({ reached[$0.key] ?? 0 >= $0.value }) {
                return LedgerDeadLetters(letters: letters, complete: true)
            }
        }
        return LedgerDeadLetters(letters: letters, complete: false)
    }
}
