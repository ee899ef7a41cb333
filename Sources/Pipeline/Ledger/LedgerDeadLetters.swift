import Foundation
import Kafka
import Streams

/// The ledger stage's dead letters as the dead-letter topic holds them (a `TopicSnapshot`): what `ledger retry-deadletters` heals and `audit reconcile` tells apart from
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
        let decoder = JSONDecoder()
        var letters: [Letter] = []
        let complete = try TopicSnapshot.read(configuration.topics.deadLetter, configuration: configuration, within: timeout) { message in
            // Another stage's letters, and anything that is not a letter, are not the ledger's to heal.
            guard let record = try? decoder.decode(DeadLetterRecord.self, from: message.value), record.stage == "ledger" else { return }
            letters.append(Letter(position: RecordPosition(message), record: record))
        }
        return LedgerDeadLetters(letters: letters, complete: complete)
    }
}
